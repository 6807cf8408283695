package dev.feedloop.launcher;

import dev.feedloop.schemas.TrainerMetrics;
import dev.feedloop.users.run.LoopRun;
import dev.feedloop.users.run.LoopRunSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

/** Prints a run's progress and, at its end, its curve and where its report lies. */
final class LoopReportWriter {
  private static long lastPrinted = -1;

  private LoopReportWriter() {}

  static synchronized void progress(LoopRun.Progress progress, PrintWriter out) {
    long seconds = progress.elapsed().toSeconds();
    if (seconds / 10 == lastPrinted) {
      return;
    }
    lastPrinted = seconds / 10;
    long refused =
        progress.windows().stream().filter(w -> "refused".equals(w.getOutcome())).count();
    long accepted =
        progress.windows().stream().filter(w -> "accepted".equals(w.getOutcome())).count();
    out.printf(
        Locale.ROOT,
        "[%02d:%02d] feedback %d, windows %d, adapters %d live / %d refused, v%d, %s%n",
        seconds / 60,
        seconds % 60,
        progress.outcomes().acceptedByKind().values().stream().mapToLong(Long::longValue).sum(),
        progress.windows().size(),
        accepted,
        refused,
        progress.liveVersion(),
        progress.latest() == null
            ? "satisfaction not measured yet"
            : String.format(
                Locale.ROOT,
                "satisfaction %.1f%% (well-formed %.1f%%)",
                100 * progress.latest().result().satisfaction(),
                100 * progress.latest().result().sampled().wellFormed()));
    out.flush();
  }

  static void write(
      LoopRun.Result result, LoopRunSettings settings, Path runDirectory, PrintWriter out) {
    out.println("Curve:");
    for (LoopRun.CurveEntry entry : result.curve()) {
      out.printf(
          Locale.ROOT, "  %6.1f s  %s%n", entry.elapsed().toMillis() / 1000.0, entry.result());
    }
    for (TrainerMetrics window : result.windows()) {
      out.printf(
          Locale.ROOT,
          "  window %d: %s %s records %d%n",
          window.getWindow(),
          window.getOutcome(),
          window.getReason() == null ? "" : window.getReason(),
          window.getRecords());
    }
    out.println("outcomes: " + result.outcomes());
    out.flush();
  }
}
