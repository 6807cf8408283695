package dev.feedloop.serving.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.schemas.DeadLetter;
import dev.feedloop.schemas.EvaluationCompleted;
import dev.feedloop.schemas.FeedbackKind;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.TrainerMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The console's memory stays bounded and counts what it is given. */
class ConsoleAggregatesTest {

  private static final Instant T0 = Instant.parse("2026-01-01T12:00:00Z");

  private static ConsoleSettings settings(Duration lookback, int maxPoints) {
    return new ConsoleSettings(lookback, Duration.ofSeconds(10), maxPoints);
  }

  @Test
  void keepsTheNewestEvaluationsOfItsModelOnly() {
    ConsoleAggregates aggregates =
        new ConsoleAggregates("tiny-chat", settings(Duration.ofHours(6), 3));
    for (int i = 0; i < 5; i++) {
      aggregates.evaluation(evaluation("tiny-chat", i, T0.plusSeconds(i)));
    }
    aggregates.evaluation(evaluation("other-model", 9, T0.plusSeconds(9)));
    assertThat(aggregates.snapshot(T0.plusSeconds(10)).evaluations())
        .extracting(ConsoleState.Evaluation::sequence)
        .containsExactly(2L, 3L, 4L);
  }

  @Test
  void keepsOnlineWindowsWithTheirTimesAndCountsOutcomesAndReasons() {
    ConsoleAggregates aggregates =
        new ConsoleAggregates("tiny-chat", settings(Duration.ofHours(6), 2));
    aggregates.trainerMetrics(window(1, "refused", "kl-bound", T0));
    aggregates.trainerMetrics(window(2, "refused", "kl-bound", T0.plusSeconds(1)));
    aggregates.trainerMetrics(window(3, "accepted", null, T0.plusSeconds(2)));
    aggregates.trainerMetrics(window(4, null, null, T0.plusSeconds(3))); // an offline step
    ConsoleAggregates.Snapshot snapshot = aggregates.snapshot(T0.plusSeconds(5));
    assertThat(snapshot.windows()).extracting(ConsoleState.Window::window).containsExactly(2L, 3L);
    assertThat(snapshot.windows().get(1).times()).isEqualTo(Map.of("train", 250.0));
    assertThat(snapshot.windows().get(1).freshnessMs()).isEqualTo(700.0);
    // counts cover every window read, not only those kept
    assertThat(snapshot.windowOutcomes()).isEqualTo(Map.of("refused", 2L, "accepted", 1L));
    assertThat(snapshot.trainerReasons()).isEqualTo(Map.of("kl-bound", 2L));
  }

  @Test
  void countsFeedbackPerKindPerBucketWithZerosBetween() {
    ConsoleAggregates aggregates =
        new ConsoleAggregates("tiny-chat", settings(Duration.ofHours(6), 10));
    aggregates.feedback(feedback(FeedbackKind.THUMBS_UP, T0.plusSeconds(1)));
    aggregates.feedback(feedback(FeedbackKind.THUMBS_UP, T0.plusSeconds(9)));
    aggregates.feedback(feedback(FeedbackKind.EDIT, T0.plusSeconds(35)));
    ConsoleState.Rates rates = aggregates.snapshot(T0.plusSeconds(41)).feedback();
    assertThat(rates.bucketMs()).isEqualTo(10_000);
    assertThat(rates.labels())
        .containsExactly("thumbs_up", "thumbs_down", "retract", "choice", "edit");
    assertThat(rates.buckets())
        .extracting(ConsoleState.Bucket::start)
        .containsExactly(
            T0.toEpochMilli(),
            T0.toEpochMilli() + 10_000,
            T0.toEpochMilli() + 20_000,
            T0.toEpochMilli() + 30_000,
            T0.toEpochMilli() + 40_000);
    assertThat(rates.buckets().get(0).counts())
        .containsEntry("thumbs_up", 2L)
        .containsEntry("edit", 0L);
    assertThat(rates.buckets().get(3).counts()).containsEntry("edit", 1L);
    assertThat(rates.totals()).containsEntry("thumbs_up", 2L).containsEntry("edit", 1L);
  }

  @Test
  void mergesBucketsBeyondTheLimitAndForgetsWhatIsOlderThanTheLookback() {
    ConsoleAggregates aggregates =
        new ConsoleAggregates("tiny-chat", settings(Duration.ofHours(2), 10));
    // one dead letter every 10 s for 2 h: 720 fine buckets
    for (int i = 0; i < 720; i++) {
      aggregates.deadLetter(
          deadLetter(i % 2 == 0 ? "empty" : "over-long", T0.plusSeconds(10L * i)));
    }
    Instant now = T0.plusSeconds(7200);
    ConsoleState.Rates rates = aggregates.snapshot(now).deadLetters().rates();
    assertThat(rates.buckets().size()).isLessThanOrEqualTo(ConsoleAggregates.MAX_RATE_POINTS + 1);
    assertThat(rates.bucketMs()).isEqualTo(50_000); // 721 fine buckets in at most 180
    long counted =
        rates.buckets().stream()
            .mapToLong(b -> b.counts().values().stream().mapToLong(n -> n).sum())
            .sum();
    assertThat(counted).isEqualTo(720);
    assertThat(rates.totals()).containsEntry("empty", 360L).containsEntry("over-long", 360L);
    assertThat(aggregates.snapshot(now).deadLetters().recent())
        .hasSize(ConsoleAggregates.RECENT_DEAD_LETTERS)
        .first()
        .satisfies(
            newest ->
                assertThat(newest.createdAt()).isEqualTo(T0.plusSeconds(7190).toEpochMilli()));

    // an hour later half of them are older than the lookback
    ConsoleState.Rates later =
        aggregates.snapshot(now.plus(Duration.ofHours(1))).deadLetters().rates();
    long left = later.totals().values().stream().mapToLong(n -> n).sum();
    assertThat(left).isBetween(358L, 362L);
  }

  @Test
  void refusesSettingsThatCannotWork() {
    assertThatThrownBy(() -> new ConsoleSettings(Duration.ZERO, Duration.ofSeconds(10), 10))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ConsoleSettings(Duration.ofHours(1), Duration.ofMillis(10), 10))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ConsoleSettings(Duration.ofHours(1), Duration.ofSeconds(10), 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static EvaluationCompleted evaluation(String model, long sequence, Instant at) {
    return EvaluationCompleted.newBuilder()
        .setModelId(model)
        .setRunId("run")
        .setSequence(sequence)
        .setAdapterVersion(sequence == 0 ? null : sequence)
        .setPreference("athene")
        .setPrompts(10)
        .setTemperature(1)
        .setTopP(1)
        .setSatisfaction(0.1 * sequence)
        .setWellFormed(0.9)
        .setStyle(0.2)
        .setStartedAt(at.minusSeconds(1))
        .setCompletedAt(at)
        .build();
  }

  private static TrainerMetrics window(long window, String outcome, String reason, Instant at) {
    return TrainerMetrics.newBuilder()
        .setModelId("tiny-chat")
        .setRunId("run")
        .setStep(window)
        .setWindow(window)
        .setRecords(16)
        .setOutcome(outcome)
        .setReason(reason)
        .setMetrics(Map.of("time/train_ms", 250.0, "freshness_ms", 700.0, "loss", 0.6))
        .setCreatedAt(at)
        .build();
  }

  private static FeedbackReceived feedback(FeedbackKind kind, Instant at) {
    return FeedbackReceived.newBuilder()
        .setFeedbackId("f")
        .setGenerationId("g")
        .setUserId("u")
        .setKind(kind)
        .setReceivedAt(at)
        .build();
  }

  private static DeadLetter deadLetter(String reason, Instant at) {
    return DeadLetter.newBuilder()
        .setSourceTopic("feedback")
        .setReason(reason)
        .setCreatedAt(at)
        .build();
  }
}
