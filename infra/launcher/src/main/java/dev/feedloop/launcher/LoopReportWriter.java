package dev.feedloop.launcher;

import dev.feedloop.schemas.TrainerMetrics;
import dev.feedloop.trainer.loss.LossTerm;
import dev.feedloop.trainer.online.OnlineSettings;
import dev.feedloop.trainer.online.WindowResult;
import dev.feedloop.users.run.CurvePoint;
import dev.feedloop.users.run.Freshness;
import dev.feedloop.users.run.LoopRun;
import dev.feedloop.users.run.LoopRunSettings;
import dev.feedloop.users.run.Refusal;
import dev.feedloop.users.run.RunReport;
import dev.feedloop.users.run.RunSettings;
import dev.feedloop.users.run.RunSummary;
import dev.feedloop.users.run.StatusLine;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Turns what a measured run saw ({@link LoopRun.Result}) into its record: the status line while it
 * runs, then {@link RunSummary} and the files {@link RunReport} writes under runs/&lt;run&gt;/.
 */
final class LoopReportWriter {
  private LoopReportWriter() {}

  /** The status line's figures at one moment. */
  static StatusLine.Snapshot status(LoopRun.Progress progress) {
    List<TrainerMetrics> windows = progress.windows();
    return StatusLine.Snapshot.builder()
        .elapsed(progress.elapsed())
        .feedbackEvents(
            progress.outcomes().acceptedByKind().values().stream().mapToLong(Long::longValue).sum())
        .windows(windows.size())
        .adaptersLive(count(windows, WindowResult.ACCEPTED))
        .adaptersRefused(count(windows, WindowResult.REFUSED))
        .liveVersion(progress.liveVersion() <= 0 ? null : progress.liveVersion()) // null: base
        .satisfaction(progress.latest() == null ? null : progress.latest().result().satisfaction())
        .wellFormed(
            progress.latest() == null ? null : progress.latest().result().sampled().wellFormed())
        .build();
  }

  /** The run's summary, from what it saw and how it was set up. */
  static RunSummary summary(
      LoopRun.Result result, LoopRunSettings settings, OnlineSettings trainer) {
    RunSummary.Builder summary =
        RunSummary.builder()
            .runId(settings.runId())
            .preference(result.curve().isEmpty() ? "" : result.curve().get(0).result().preference())
            .settings(
                RunSettings.builder()
                    .from(settings.users())
                    .windowRecords(trainer.window().maxRecords())
                    .windowTime(trainer.window().maxSpan())
                    .loss(
                        trainer.loss().terms().stream()
                            .map(LossTerm::toString)
                            .collect(Collectors.joining(",")))
                    .build())
            .startedAt(result.startedAt())
            .endedAt(result.endedAt())
            .outcomes(result.outcomes())
            .windows(result.windows().size())
            .adaptersPublished(count(result.windows(), WindowResult.ACCEPTED));
    for (LoopRun.CurveEntry entry : result.curve()) {
      summary.point(CurvePoint.of(entry.elapsed().toMillis() / 1000.0, entry.result()));
    }
    for (TrainerMetrics window : result.windows()) {
      if (WindowResult.REFUSED.equals(window.getOutcome())) {
        summary.refusal(
            Refusal.ofWindow(
                secondsSince(result.startedAt(), window.getCreatedAt()),
                window.getWindow(),
                window.getReason(),
                window.getReasonDetail()));
      }
    }
    result
        .refusedByServing()
        .forEach(
            (version, reason) ->
                summary.refusal(
                    Refusal.ofVersion(
                        secondsSince(result.startedAt(), result.endedAt()),
                        version,
                        "refused-by-serving",
                        "serving refused version " + version)));
    summary.freshnessSamples(freshness(result.windows(), result.firstSeenLive()));
    return summary.build();
  }

  /**
   * From each record's feedback event to the adapter that learned from it being live in serving:
   * the trainer reports each window's record ages at its commit (quantiles), and the run saw when
   * the window's adapter went live; each quantile stands for a fifth of the window's records.
   */
  static List<Freshness.Sample> freshness(
      List<TrainerMetrics> windows, Map<Long, Instant> firstSeenLive) {
    List<Freshness.Sample> samples = new ArrayList<>();
    for (TrainerMetrics window : windows) {
      Long version = window.getAdapterVersion();
      Instant live = version == null ? null : firstSeenLive.get(version);
      if (!WindowResult.ACCEPTED.equals(window.getOutcome()) || live == null) {
        continue;
      }
      Duration swap = Duration.between(window.getCreatedAt(), live);
      if (swap.isNegative()) {
        swap = Duration.ZERO; // seen live before the metrics' timestamp: within the poll interval
      }
      List<Double> quantiles =
          window.getMetrics().entrySet().stream()
              .filter(e -> e.getKey().startsWith("freshness/q"))
              .map(Map.Entry::getValue)
              .toList();
      long weight = Math.max(1, window.getRecords() / Math.max(1, quantiles.size()));
      for (double ageMillis : quantiles) {
        samples.add(new Freshness.Sample(Duration.ofMillis((long) ageMillis).plus(swap), weight));
      }
    }
    return samples;
  }

  /** Writes the files and returns the summary table printed at the end. */
  static String write(RunSummary summary, Path runDirectory) {
    Path html = RunReport.write(summary, runDirectory);
    return RunReport.summaryTable(summary)
        + System.lineSeparator()
        + "Report: "
        + html.toAbsolutePath()
        + System.lineSeparator()
        + "Also: "
        + runDirectory.resolve(RunReport.SUMMARY_JSON)
        + ", "
        + runDirectory.resolve(RunReport.CURVE_PNG)
        + ", "
        + runDirectory.resolve(RunReport.CURVE_SVG);
  }

  private static long count(List<TrainerMetrics> windows, String outcome) {
    return windows.stream().filter(w -> outcome.equals(w.getOutcome())).count();
  }

  private static double secondsSince(Instant start, Instant at) {
    return Math.max(0, Duration.between(start, at).toMillis() / 1000.0);
  }
}
