package dev.feedloop.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.TrainerMetrics;
import dev.feedloop.users.run.Freshness;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LoopReportWriterTest {
  private static final Instant COMMIT = Instant.parse("2026-12-02T12:00:00Z");

  static {
    EventSerde.of(TrainerMetrics.class); // the schemas' serde makes Avro trust the loop's events
  }

  @Test
  void freshnessAddsTheSwapToEveryQuantileOfAnAcceptedWindowSeenLive() {
    TrainerMetrics accepted =
        window(
            1,
            "accepted",
            3L,
            40,
            Map.of(
                "freshness/q05_ms", 2_000.0,
                "freshness/q50_ms", 10_000.0,
                "freshness/q95_ms", 30_000.0,
                "freshness_ms", 1_000.0));
    TrainerMetrics refused = window(2, "refused", null, 40, Map.of("freshness/q50_ms", 5_000.0));
    TrainerMetrics notSeenLive = window(3, "accepted", 4L, 40, Map.of("freshness/q50_ms", 5_000.0));

    List<Freshness.Sample> samples =
        LoopReportWriter.freshness(
            List.of(accepted, refused, notSeenLive), Map.of(3L, COMMIT.plusMillis(1_500)));

    // three quantiles of window 1, each standing for a third of its 40 records, plus the 1.5 s
    // swap; the refused window and the version never seen live add nothing
    assertThat(samples)
        .extracting(Freshness.Sample::age)
        .containsExactlyInAnyOrder(
            Duration.ofMillis(3_500), Duration.ofMillis(11_500), Duration.ofMillis(31_500));
    assertThat(samples).extracting(Freshness.Sample::weight).containsOnly(13L);
  }

  @Test
  void aVersionSeenLiveBeforeItsMetricsTimestampCountsNoSwap() {
    TrainerMetrics accepted = window(1, "accepted", 1L, 10, Map.of("freshness/q50_ms", 4_000.0));
    List<Freshness.Sample> samples =
        LoopReportWriter.freshness(List.of(accepted), Map.of(1L, COMMIT.minusMillis(200)));
    assertThat(samples).extracting(Freshness.Sample::age).containsExactly(Duration.ofSeconds(4));
  }

  private static TrainerMetrics window(
      long number, String outcome, Long version, int records, Map<String, Double> metrics) {
    return TrainerMetrics.newBuilder()
        .setModelId("tiny-chat")
        .setRunId("r")
        .setStep(number)
        .setWindow(number)
        .setAdapterVersion(version)
        .setRecords(records)
        .setMetrics(Map.copyOf(metrics))
        .setCreatedAt(COMMIT)
        .setOutcome(outcome)
        .build();
  }
}
