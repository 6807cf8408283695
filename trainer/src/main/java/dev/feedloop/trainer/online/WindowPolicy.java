package dev.feedloop.trainer.online;

import java.time.Duration;

/**
 * When a window of training records closes: after {@code maxRecords} records, or once {@code
 * maxSpan} has passed since its first record, whichever comes first. The policy knows no clock: the
 * online trainer asks it with wall-clock times (when records arrived, now), a replay with record
 * times (the first record's timestamp, the next record's), so that a replay cuts the same windows
 * whatever the speed it reads at.
 */
public record WindowPolicy(int maxRecords, Duration maxSpan) {
  public WindowPolicy {
    if (maxRecords < 1) {
      throw new IllegalArgumentException("a window holds at least 1 record, got " + maxRecords);
    }
    if (maxSpan == null || maxSpan.isNegative() || maxSpan.isZero()) {
      throw new IllegalArgumentException("the window time must be positive, got " + maxSpan);
    }
  }

  /** Whether a window holding {@code records} records is full. */
  public boolean full(int records) {
    return records >= maxRecords;
  }

  /**
   * Whether a window whose first record came at {@code firstMillis} has run out of time at {@code
   * nowMillis}. An empty window never expires: its time starts with its first record.
   */
  public boolean expired(int records, long firstMillis, long nowMillis) {
    return records > 0 && nowMillis - firstMillis >= maxSpan.toMillis();
  }

  /** Whether the window closes: full or expired. */
  public boolean closes(int records, long firstMillis, long nowMillis) {
    return full(records) || expired(records, firstMillis, nowMillis);
  }

  /** The time at which a window whose first record came at {@code firstMillis} expires. */
  public long deadline(long firstMillis) {
    return firstMillis + maxSpan.toMillis();
  }
}
