package dev.feedloop.trainer.data;

import dev.feedloop.schemas.rules.RejectReason;
import dev.feedloop.schemas.rules.Rejection;
import java.util.Objects;
import java.util.Optional;

/**
 * What the import decided about one record it read, and where that record was: accepted, or
 * rejected with the rulebook's reason ({@link RejectReason#MALFORMED} for a line that is not a
 * record of its format). A line that gives several records (a ranking) has one decision per record.
 *
 * @param file the file as it was given to the import
 * @param line the 1-based line on which the record starts
 * @param rejection why the record was rejected; empty when it was accepted
 */
public record RecordDecision(String file, long line, Optional<Rejection> rejection) {
  public RecordDecision {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(rejection, "rejection");
  }

  public static RecordDecision accepted(String file, long line) {
    return new RecordDecision(file, line, Optional.empty());
  }

  public static RecordDecision rejected(String file, long line, Rejection rejection) {
    return new RecordDecision(file, line, Optional.of(rejection));
  }

  public boolean accepted() {
    return rejection.isEmpty();
  }

  /** The reason code of a rejection; empty when accepted. */
  public Optional<RejectReason> reason() {
    return rejection.map(Rejection::reason);
  }

  /** The rule's explanation of a rejection; empty text when accepted. */
  public String detail() {
    return rejection.map(Rejection::detail).orElse("");
  }

  /** {@code file:line: accepted}, or {@code file:line: code: detail} for a rejection. */
  @Override
  public String toString() {
    String where = file + ":" + line + ": ";
    return rejection
        .map(r -> where + r.reason().code() + (r.detail().isEmpty() ? "" : ": " + r.detail()))
        .orElse(where + "accepted");
  }
}
