package dev.feedloop.trainer.data;

/**
 * Raised in strict mode at the first malformed record, and for unreadable or unrecognisable files.
 */
public final class DataImportException extends RuntimeException {
  public DataImportException(String message) {
    super(message);
  }

  public DataImportException(String message, Throwable cause) {
    super(message, cause);
  }
}
