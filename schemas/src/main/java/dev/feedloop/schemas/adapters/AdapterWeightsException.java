package dev.feedloop.schemas.adapters;

/** The chunks of an announced adapter do not add up to its weights; {@link #failure()} says how. */
public final class AdapterWeightsException extends RuntimeException {

  /** What is wrong with the chunks, with a stable code for logs, metrics and the API. */
  public enum Failure {
    /** A listed offset holds no committed chunk (compacted away, aborted, never written). */
    MISSING_CHUNK("missing-chunk"),
    /** A listed offset holds a chunk of another model, version or position. */
    WRONG_CHUNK("wrong-chunk"),
    /** A chunk's bytes do not have the checksum it carries. */
    CHUNK_CHECKSUM("chunk-checksum"),
    /** The chunks together are not as long as the announcement says. */
    TRUNCATED("truncated"),
    /** The announcement names no weights in Kafka, or an inconsistent list of them. */
    NO_WEIGHTS("no-weights");

    private final String code;

    Failure(String code) {
      this.code = code;
    }

    public String code() {
      return code;
    }
  }

  private final Failure failure;

  public AdapterWeightsException(Failure failure, String message) {
    super(message);
    this.failure = failure;
  }

  public Failure failure() {
    return failure;
  }
}
