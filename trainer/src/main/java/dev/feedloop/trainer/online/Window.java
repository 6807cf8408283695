package dev.feedloop.trainer.online;

import dev.feedloop.schemas.HeldRecord;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.UnaryFeedback;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One closed window of training records, however it was cut (live from Kafka, or from recorded
 * records in a replay).
 *
 * @param number 1-based: the window's position in the run (seeds its data order)
 * @param records the records of this trainer's model, in consumption order
 * @param consumed every record the window consumed, including those of other models and the
 *     undecodable ones
 * @param otherModel records of other models (consumed, not trained)
 * @param undecodable records that did not decode (consumed, not trained)
 * @param openedMillis when the window opened (after the previous window)
 * @param closedMillis when it closed
 */
public record Window(
    long number,
    List<HeldRecord> records,
    int consumed,
    int otherModel,
    int undecodable,
    long openedMillis,
    long closedMillis) {

  public Window {
    records = List.copyOf(records);
  }

  /** The newest feedback time among the records (their created_at), or null for none. */
  public Instant newestRecordAt() {
    Instant newest = null;
    for (HeldRecord record : records) {
      Instant at = createdAt(record);
      if (newest == null || at.isAfter(newest)) {
        newest = at;
      }
    }
    return newest;
  }

  /**
   * Quantiles of the records' ages at {@code at} (from each record's feedback time), in
   * milliseconds, at the given levels (0..1, nearest rank); empty for a window without records.
   */
  public double[] ageQuantilesMillis(Instant at, double... levels) {
    if (records.isEmpty()) {
      return new double[0];
    }
    long[] ages =
        records.stream()
            .mapToLong(record -> Duration.between(createdAt(record), at).toMillis())
            .sorted()
            .toArray();
    double[] quantiles = new double[levels.length];
    for (int i = 0; i < levels.length; i++) {
      int rank = (int) Math.ceil(levels[i] * ages.length);
      quantiles[i] = ages[Math.min(ages.length - 1, Math.max(0, rank - 1))];
    }
    return quantiles;
  }

  static Instant createdAt(HeldRecord record) {
    return record.getPair() != null
        ? record.getPair().getCreatedAt()
        : record.getUnary().getCreatedAt();
  }

  static HeldRecord of(PreferencePair pair) {
    return HeldRecord.newBuilder().setPair(pair).build();
  }

  static HeldRecord of(UnaryFeedback unary) {
    return HeldRecord.newBuilder().setUnary(unary).build();
  }
}
