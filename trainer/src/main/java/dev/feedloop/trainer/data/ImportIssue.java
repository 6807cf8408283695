package dev.feedloop.trainer.data;

/** One record that was not imported, with where it came from. */
public record ImportIssue(String file, long line, RejectReason reason, String detail) {
  @Override
  public String toString() {
    return file
        + ":"
        + line
        + ": "
        + reason.label()
        + (detail == null || detail.isEmpty() ? "" : ": " + detail);
  }
}
