package dev.feedloop.users.run;

import dev.feedloop.schemas.FeedbackKind;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** A small run for the report tests, with text that needs escaping where users can put text. */
final class SampleRun {
  static final String RUN_ID = "run-<1>";
  static final String PREFERENCE = "athene,polite & \"brief\"";
  static final String DETAIL = "held-out accuracy 0.61 < 0.64 & falling";

  private SampleRun() {}

  static RunSummary summary() {
    return RunSummary.builder()
        .runId(RUN_ID)
        .preference(PREFERENCE)
        .settings(
            RunSettings.builder()
                .users(20)
                .duration(Duration.ofMinutes(5))
                .windowRecords(64)
                .windowTime(Duration.ofSeconds(30))
                .loss("dpo")
                .mix("thumbs=0.5,choice=0.3,edit=0.2,retract=0.05")
                .noise("random=0.05,contrary=0.05,other-taste=0.1")
                .seed(7)
                .build())
        .startedAt(Instant.parse("2025-01-02T10:00:00Z"))
        .endedAt(Instant.parse("2025-01-02T10:05:30.250Z"))
        .point(new CurvePoint(0, null, 0.08, 0.975, 0.10, 0.0, 1.0, 200))
        .point(new CurvePoint(90, 1L, 0.20, 0.97, 0.22, null, null, 200))
        .point(new CurvePoint(180, 2L, 0.45, 0.965, 0.47, 0.5, 0.99, 200))
        .point(new CurvePoint(270, 3L, 0.41, 0.96, 0.44, 0.45, 0.985, 200))
        .adaptersPublished(4)
        .refusal(Refusal.ofWindow(200.5, 4, "accuracy-drop", DETAIL))
        .windows(6)
        .feedbackByKind(
            Map.of(
                FeedbackKind.THUMBS_UP, 400L,
                FeedbackKind.THUMBS_DOWN, 804L,
                FeedbackKind.CHOICE, 300L,
                FeedbackKind.EDIT, 150L))
        .chatRequests(1500)
        .chatFailures(3)
        .freshnessSample(new Freshness.Sample(Duration.ofMillis(41_200), 64))
        .freshnessSample(new Freshness.Sample(Duration.ofMillis(80_100), 10))
        .freshnessSample(new Freshness.Sample(Duration.ofMillis(35_000), 30))
        .build();
  }
}
