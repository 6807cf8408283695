package dev.feedloop.trainer.replay;

import dev.feedloop.schemas.settings.Durations;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;

/**
 * Which records a replay re-reads from each input partition: a range of record times (an instant,
 * or a duration before now, at either end), or a range of offsets applied to every partition. An
 * open end is the beginning of the partition, or its end (read_committed: the last stable offset)
 * when the replay starts, so records that arrive while a replay runs are not part of it.
 *
 * @param fromTime records with a timestamp at or after this; null = from the beginning
 * @param toTime records with a timestamp before this; null = up to the end
 * @param fromOffset the first offset of every partition; null = from the beginning
 * @param toOffset the offset after the last one of every partition; null = up to the end
 */
public record ReplayRange(Instant fromTime, Instant toTime, Long fromOffset, Long toOffset) {

  public ReplayRange {
    if ((fromTime != null || toTime != null) && (fromOffset != null || toOffset != null)) {
      throw new IllegalArgumentException(
          "a replay range is of record times or of offsets, not both");
    }
    if (fromTime != null && toTime != null && !fromTime.isBefore(toTime)) {
      throw new IllegalArgumentException(
          "--from " + fromTime + " is not before --to " + toTime + ": the range is empty");
    }
    if (fromOffset != null && fromOffset < 0 || toOffset != null && toOffset < 0) {
      throw new IllegalArgumentException("offsets are >= 0");
    }
    if (fromOffset != null && toOffset != null && fromOffset >= toOffset) {
      throw new IllegalArgumentException(
          "--from-offset " + fromOffset + " is not below --to-offset " + toOffset);
    }
  }

  /** Everything in the topics when the replay starts. */
  public static ReplayRange all() {
    return new ReplayRange(null, null, null, null);
  }

  /**
   * A time bound: an ISO-8601 instant ({@code 2026-12-01T08:00:00Z}) or a duration before {@code
   * now} in the loop's duration grammar ({@code 2h}, {@code 90m}, {@code P1D}); null stays null.
   */
  public static Instant timeBound(String value, Instant now) {
    if (value == null || value.isBlank()) {
      return null;
    }
    Objects.requireNonNull(now, "now");
    try {
      return Instant.parse(value.strip());
    } catch (DateTimeParseException notAnInstant) {
      try {
        return now.minus(Durations.parse(value));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "'"
                + value
                + "' is neither an instant (e.g. 2026-12-01T08:00:00Z) nor a duration ago (e.g. 2h,"
                + " 90m, 1d)",
            e);
      }
    }
  }

  /** How the range reads, for the console. */
  public String describe() {
    if (fromOffset != null || toOffset != null) {
      return "offsets "
          + (fromOffset == null ? "beginning" : fromOffset)
          + " to "
          + (toOffset == null ? "end" : toOffset)
          + " of every partition";
    }
    if (fromTime != null || toTime != null) {
      return "record times "
          + (fromTime == null ? "beginning" : fromTime)
          + " to "
          + (toTime == null ? "end" : toTime);
    }
    return "every record";
  }
}
