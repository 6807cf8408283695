package dev.feedloop.streams;

import dev.feedloop.schemas.PairSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The topology's counters in a Micrometer registry (the app's, or a private one). Under
 * exactly-once a retried transaction counts its records again: these are operating figures, the
 * output topics are the truth.
 */
public final class FeedbackStreamsMetrics {

  static final String RECORDS_IN = "feedloop.streams.records.in";
  static final String PAIRS_OUT = "feedloop.streams.pairs.out";
  static final String UNARY_OUT = "feedloop.streams.unary.out";
  static final String DEAD_LETTERS = "feedloop.streams.dead.letters";
  static final String DUPLICATES = "feedloop.streams.duplicates.dropped";
  static final String JOIN_LAG = "feedloop.streams.join.lag";

  private final MeterRegistry registry;
  private final DistributionSummary joinLag;

  public FeedbackStreamsMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.joinLag =
        DistributionSummary.builder(JOIN_LAG)
            .description("wall-clock ms from the later of feedback and generation to their join")
            .baseUnit("milliseconds")
            .register(registry);
  }

  public static FeedbackStreamsMetrics inMemory() {
    return new FeedbackStreamsMetrics(new SimpleMeterRegistry());
  }

  void recordIn(String topic) {
    registry.counter(RECORDS_IN, "topic", topic).increment();
  }

  void pairOut(PairSource source) {
    registry
        .counter(PAIRS_OUT, "source", source.name().toLowerCase(java.util.Locale.ROOT))
        .increment();
  }

  void unaryOut() {
    registry.counter(UNARY_OUT).increment();
  }

  void deadLetter(String reason) {
    registry.counter(DEAD_LETTERS, "reason", reason).increment();
  }

  void duplicateDropped(String stage) {
    registry.counter(DUPLICATES, "stage", stage).increment();
  }

  void joinLag(long millis) {
    joinLag.record(Math.max(0, millis));
  }

  /** Totals since start: what the per-minute log line differences. */
  public Snapshot snapshot() {
    return new Snapshot(
        byTag(RECORDS_IN, "topic"),
        byTag(PAIRS_OUT, "source"),
        (long)
            Search.in(registry).name(UNARY_OUT).counters().stream()
                .mapToDouble(Counter::count)
                .sum(),
        byTag(DEAD_LETTERS, "reason"),
        (long)
            Search.in(registry).name(DUPLICATES).counters().stream()
                .mapToDouble(Counter::count)
                .sum(),
        joinLag.count(),
        joinLag.totalAmount(),
        joinLag.max());
  }

  private Map<String, Long> byTag(String name, String tag) {
    Map<String, Long> counts = new TreeMap<>();
    for (Counter counter : Search.in(registry).name(name).counters()) {
      counts.merge(counter.getId().getTag(tag), (long) counter.count(), Long::sum);
    }
    return counts;
  }

  public record Snapshot(
      Map<String, Long> recordsIn,
      Map<String, Long> pairsOut,
      long unaryOut,
      Map<String, Long> deadLetters,
      long duplicatesDropped,
      long joins,
      double joinLagTotalMillis,
      double joinLagMaxMillis) {

    public long pairsOutTotal() {
      return pairsOut.values().stream().mapToLong(Long::longValue).sum();
    }

    public long deadLettersTotal() {
      return deadLetters.values().stream().mapToLong(Long::longValue).sum();
    }

    /** One log line: what happened since {@code previous}. */
    public String describeSince(Snapshot previous, long elapsedMillis) {
      long joinsSince = joins - previous.joins;
      double meanLag =
          joinsSince == 0 ? 0 : (joinLagTotalMillis - previous.joinLagTotalMillis) / joinsSince;
      return String.format(
          java.util.Locale.ROOT,
          "feedback-streams last %ds: records in %s, pairs out %d %s, unary out %d, dead-lettered %d %s, "
              + "duplicates dropped %d, joins %d, join lag mean %.0f ms (recent max %.0f ms)",
          TimeUnit.MILLISECONDS.toSeconds(elapsedMillis),
          delta(recordsIn, previous.recordsIn),
          pairsOutTotal() - previous.pairsOutTotal(),
          delta(pairsOut, previous.pairsOut),
          unaryOut - previous.unaryOut,
          deadLettersTotal() - previous.deadLettersTotal(),
          delta(deadLetters, previous.deadLetters),
          duplicatesDropped - previous.duplicatesDropped,
          joinsSince,
          meanLag,
          joinLagMaxMillis);
    }

    private static Map<String, Long> delta(Map<String, Long> now, Map<String, Long> before) {
      Map<String, Long> delta = new TreeMap<>();
      now.forEach(
          (key, value) -> {
            long d = value - before.getOrDefault(key, 0L);
            if (d != 0) {
              delta.put(key, d);
            }
          });
      return delta;
    }

    public static Snapshot empty() {
      return new Snapshot(Map.of(), Map.of(), 0, Map.of(), 0, 0, 0, 0);
    }
  }
}
