package dev.feedloop.trainer.data;

/** A record that does not fit its format; the importer adds the file and line. */
public final class MalformedRecordException extends RuntimeException {
  public MalformedRecordException(String reason) {
    super(reason);
  }
}
