package dev.feedloop.serving.console;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * Events counted per label per bucket of {@link ConsoleSettings#rateBucket()}, by event time, for
 * the lookback: buckets older than the lookback are dropped as counts arrive and snapshots are
 * taken, so memory stays bounded (lookback / bucket buckets). Not thread-safe: its owner locks.
 */
final class RateCounter {

  private final long bucketMillis;
  private final long lookbackMillis;
  private final Set<String> labels;
  private final NavigableMap<Long, Map<String, Long>> buckets = new TreeMap<>();

  /**
   * @param labels labels always listed, in this order (more are added as they appear)
   */
  RateCounter(ConsoleSettings settings, List<String> labels) {
    this.bucketMillis = settings.rateBucket().toMillis();
    this.lookbackMillis = settings.lookback().toMillis();
    this.labels = new LinkedHashSet<>(labels);
  }

  void count(long eventMillis, String label) {
    labels.add(label);
    long bucket = Math.floorDiv(eventMillis, bucketMillis) * bucketMillis;
    if (!buckets.containsKey(bucket)) {
      buckets.put(bucket, new TreeMap<>());
      // bounded also while nobody looks: the newest event's time stands for now
      dropBefore(buckets.lastKey());
    }
    Map<String, Long> counts = buckets.get(bucket);
    if (counts != null) {
      counts.merge(label, 1L, Long::sum);
    }
  }

  private void dropBefore(long nowMillis) {
    buckets.headMap(nowMillis - lookbackMillis - bucketMillis, true).clear();
  }

  void clear() {
    buckets.clear();
  }

  /**
   * Counts from the oldest bucket kept to now's, zeros included; adjacent buckets are summed into
   * wider ones when there would be more than {@link ConsoleAggregates#MAX_RATE_POINTS}. Totals are
   * over the lookback.
   */
  ConsoleState.Rates rates(long nowMillis) {
    dropBefore(nowMillis);
    Map<String, Long> totals = new LinkedHashMap<>();
    labels.forEach(label -> totals.put(label, 0L));
    buckets.values().forEach(counts -> counts.forEach((l, n) -> totals.merge(l, n, Long::sum)));
    List<ConsoleState.Bucket> series = new ArrayList<>();
    if (buckets.isEmpty()) {
      return new ConsoleState.Rates(bucketMillis, List.copyOf(labels), series, totals);
    }
    long first = buckets.firstKey();
    long last = Math.max(buckets.lastKey(), Math.floorDiv(nowMillis, bucketMillis) * bucketMillis);
    long fine = (last - first) / bucketMillis + 1;
    long width =
        bucketMillis
            * Math.max(
                1,
                (fine + ConsoleAggregates.MAX_RATE_POINTS - 1) / ConsoleAggregates.MAX_RATE_POINTS);
    long start = Math.floorDiv(first, width) * width;
    for (long from = start; from <= last; from += width) {
      Map<String, Long> counts = new LinkedHashMap<>();
      labels.forEach(label -> counts.put(label, 0L));
      for (Map<String, Long> bucket : buckets.subMap(from, true, from + width, false).values()) {
        bucket.forEach((l, n) -> counts.merge(l, n, Long::sum));
      }
      series.add(new ConsoleState.Bucket(from, counts));
    }
    return new ConsoleState.Rates(width, List.copyOf(labels), series, totals);
  }
}
