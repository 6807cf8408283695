package dev.feedloop.trainer.replay;

import dev.feedloop.schemas.HeldRecord;
import dev.feedloop.schemas.OffsetRange;
import dev.feedloop.trainer.online.Window;
import dev.feedloop.trainer.online.WindowPolicy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cuts recorded records into the windows the online trainer would have cut, by the same {@link
 * WindowPolicy} but on record time: a window closes after N records, or when the next record's
 * timestamp is T or more after its first record's (the online trainer closes it when its clock
 * passes that deadline; the next record then opens the next window either way). The last window
 * closes at the end of the range. The same records and policy always give the same windows.
 */
public final class RecordTimeWindows {
  private RecordTimeWindows() {}

  /** A window and the offsets it consumed, per topic-partition. */
  public record CutWindow(Window window, List<OffsetRange> consumed) {}

  /**
   * @param records in record-time order ({@link TopicReplayReader#RECORD_TIME_ORDER})
   * @param modelId the trained model: records of others are consumed and counted, not trained
   */
  public static List<CutWindow> cut(
      List<ReplayRecord> records, WindowPolicy policy, String modelId) {
    List<CutWindow> windows = new ArrayList<>();
    List<ReplayRecord> open = new ArrayList<>();
    for (ReplayRecord record : records) {
      if (!open.isEmpty()
          && policy.expired(open.size(), open.get(0).timestamp(), record.timestamp())) {
        windows.add(close(windows.size() + 1, open, policy, modelId, true));
        open.clear();
      }
      open.add(record);
      if (policy.full(open.size())) {
        windows.add(close(windows.size() + 1, open, policy, modelId, false));
        open.clear();
      }
    }
    if (!open.isEmpty()) {
      windows.add(close(windows.size() + 1, open, policy, modelId, false));
    }
    return windows;
  }

  private static CutWindow close(
      long number,
      List<ReplayRecord> records,
      WindowPolicy policy,
      String modelId,
      boolean expired) {
    List<HeldRecord> trainable = new ArrayList<>();
    int otherModel = 0;
    int undecodable = 0;
    Map<String, long[]> ranges = new LinkedHashMap<>();
    for (ReplayRecord record : records) {
      if (record.record() == null) {
        undecodable++;
      } else if (!modelId.equals(record.modelId())) {
        otherModel++;
      } else {
        trainable.add(record.record());
      }
      ranges.merge(
          record.topic() + "\u0000" + record.partition(),
          new long[] {record.offset(), record.offset() + 1},
          (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
    }
    long opened = records.get(0).timestamp();
    long closed = expired ? policy.deadline(opened) : records.get(records.size() - 1).timestamp();
    List<OffsetRange> consumed = new ArrayList<>();
    ranges.forEach(
        (key, range) -> {
          String[] parts = key.split("\u0000");
          consumed.add(
              OffsetRange.newBuilder()
                  .setTopic(parts[0])
                  .setPartition(Integer.parseInt(parts[1]))
                  .setFromOffset(range[0])
                  .setUntilOffset(range[1])
                  .build());
        });
    consumed.sort(
        Comparator.comparing(OffsetRange::getTopic).thenComparingInt(OffsetRange::getPartition));
    return new CutWindow(
        new Window(number, trainable, records.size(), otherModel, undecodable, opened, closed),
        consumed);
  }
}
