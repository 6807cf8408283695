package dev.feedloop.users.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.schemas.FeedbackKind;
import dev.feedloop.synthetic.StyleShares;
import dev.feedloop.users.EvaluationResult;
import dev.feedloop.users.Outcomes;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunSummaryTest {
  @Test
  void baseFinalAndBestComeFromTheCurve() {
    RunSummary summary = SampleRun.summary();
    assertThat(summary.base().adapterVersion()).isNull();
    assertThat(summary.base().satisfaction()).isEqualTo(0.08);
    assertThat(summary.last().adapterVersion()).isEqualTo(3L);
    assertThat(summary.last().satisfaction()).isEqualTo(0.41);
    assertThat(summary.last().wellFormed()).isEqualTo(0.96);
    assertThat(summary.best().adapterVersion()).isEqualTo(2L);
    assertThat(summary.best().satisfaction()).isEqualTo(0.45);
    assertThat(summary.adaptersRefused()).isEqualTo(1);
    assertThat(summary.feedbackEvents()).isEqualTo(400 + 804 + 300 + 150);
    assertThat(summary.duration()).isEqualTo(Duration.ofMillis(330_250));
  }

  @Test
  void theCurveReadsInTimeOrderAndTiesGoToTheEarliestBest() {
    RunSummary summary =
        minimal()
            .point(new CurvePoint(120, 2L, 0.3, 0.9, 0.3, null, null, 10))
            .point(new CurvePoint(0, null, 0.1, 0.9, 0.1, null, null, 10))
            .point(new CurvePoint(60, 1L, 0.3, 0.9, 0.3, null, null, 10))
            .build();
    assertThat(summary.curve())
        .extracting(CurvePoint::elapsedSeconds)
        .containsExactly(0.0, 60.0, 120.0);
    assertThat(summary.base().adapterVersion()).isNull();
    assertThat(summary.last().adapterVersion()).isEqualTo(2L);
    assertThat(summary.best().adapterVersion()).isEqualTo(1L);
  }

  @Test
  void withoutEvaluationsThereIsNoBaseNorFinal() {
    RunSummary summary = minimal().build();
    assertThat(summary.base()).isNull();
    assertThat(summary.last()).isNull();
    assertThat(summary.best()).isNull();
    assertThat(summary.freshness().measured()).isFalse();
  }

  @Test
  void everyFeedbackKindIsCountedEvenWhenAbsent() {
    RunSummary summary = minimal().feedbackByKind(Map.of(FeedbackKind.EDIT, 5L)).build();
    assertThat(summary.feedbackByKind()).containsOnlyKeys(FeedbackKind.values());
    assertThat(summary.feedbackByKind().get(FeedbackKind.EDIT)).isEqualTo(5L);
    assertThat(summary.feedbackByKind().get(FeedbackKind.RETRACT)).isZero();
  }

  @Test
  void theUsersCountersGiveRequestsFailuresAndKinds() {
    Map<Outcomes.Outcome, Long> chats = new EnumMap<>(Outcomes.Outcome.class);
    chats.put(Outcomes.Outcome.SUCCESS, 90L);
    chats.put(Outcomes.Outcome.CLIENT_ERROR, 4L);
    chats.put(Outcomes.Outcome.SERVER_ERROR, 1L);
    chats.put(Outcomes.Outcome.NO_RESPONSE, 5L);
    Map<FeedbackKind, Long> kinds = new EnumMap<>(FeedbackKind.class);
    kinds.put(FeedbackKind.THUMBS_UP, 12L);
    kinds.put(FeedbackKind.CHOICE, 7L);
    RunSummary summary = minimal().outcomes(new Outcomes.Snapshot(chats, Map.of(), kinds)).build();
    assertThat(summary.chatRequests()).isEqualTo(100);
    assertThat(summary.chatFailures()).isEqualTo(10);
    assertThat(summary.feedbackEvents()).isEqualTo(19);
  }

  @Test
  void anEvaluationBecomesAPoint() {
    StyleShares sampled = new StyleShares(200, 0.3, 0.3, 0.4, 0.5, 0.4, 0.97, 0.25);
    StyleShares greedy = new StyleShares(200, 0.3, 0.3, 0.4, 0.5, 0.4, 1.0, 0.1);
    EvaluationResult result =
        new EvaluationResult(
            "athene,polite", 200, 4L, Map.of(4L, 200), sampled, 0.28, greedy, 0, List.of());
    CurvePoint point = CurvePoint.of(150, result);
    assertThat(point).isEqualTo(new CurvePoint(150, 4L, 0.25, 0.97, 0.28, 0.1, 1.0, 200));
    assertThat(point.elapsedMinutes()).isEqualTo(2.5);
    EvaluationResult noGreedy =
        new EvaluationResult("athene", 20, null, Map.of(0L, 20), sampled, 0.28, null, 0, List.of());
    assertThat(CurvePoint.of(0, noGreedy).greedySatisfaction()).isNull();
    assertThat(CurvePoint.of(0, noGreedy).adapterVersion()).isNull();
  }

  @Test
  void sharesOutsideZeroToOneAreRefused() {
    assertThatThrownBy(() -> new CurvePoint(0, null, 41, 0.9, 0.3, null, null, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("satisfaction");
    assertThatThrownBy(() -> new CurvePoint(0, null, 0.4, Double.NaN, 0.3, null, null, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("well-formed");
    assertThatThrownBy(() -> minimal().runId(null).build())
        .isInstanceOf(NullPointerException.class);
  }

  private static RunSummary.Builder minimal() {
    return RunSummary.builder()
        .runId("r")
        .preference("athene")
        .startedAt(Instant.EPOCH)
        .endedAt(Instant.EPOCH.plusSeconds(60));
  }
}
