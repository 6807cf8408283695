package dev.feedloop.trainer.online;

import dev.feedloop.schemas.OffsetRange;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A committed window, as the online trainer reports it to its listener (and the CLI prints it).
 *
 * @param window the window's number in the run
 * @param outcome accepted, refused or skipped
 * @param reason the refusal's (or skip's) code, null when accepted
 * @param detail the figures that decided
 * @param version the version published, 0 when none was
 * @param liveVersion the live version after the window
 * @param consumed the offset ranges the window consumed
 * @param metrics what went to trainer-metrics
 * @param freshness from the newest record's feedback time to the end of the commit; null when the
 *     window held no record of this model
 */
public record WindowReport(
    long window,
    String outcome,
    String reason,
    String detail,
    long version,
    long liveVersion,
    List<OffsetRange> consumed,
    Map<String, Double> metrics,
    Duration freshness) {

  public WindowReport {
    consumed = List.copyOf(consumed);
    metrics = Map.copyOf(metrics);
  }

  /** Records the window consumed, over all its ranges. */
  public long records() {
    return consumed.stream().mapToLong(r -> r.getUntilOffset() - r.getFromOffset()).sum();
  }

  /** One line for a log or the console. */
  public String line() {
    StringBuilder line =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "window %d: %d records, %s",
                window,
                (long) (double) metrics.getOrDefault("records/consumed", (double) records()),
                outcome));
    if (version > 0) {
      line.append(" version ").append(version);
    } else {
      line.append(" (").append(reason).append("), live version ").append(liveVersion);
    }
    append(line, "loss", "loss %.4f");
    append(line, "heldout/accuracy", "held-out accuracy %.3f");
    append(line, "heldout/live_accuracy", "(live %.3f)");
    append(line, "heldout/kl", "KL %.4f");
    append(line, "time/train_ms", "train %.0f ms");
    append(line, "time/evaluate_ms", "evaluate %.0f ms");
    append(line, "time/publish_ms", "publish %.0f ms");
    if (freshness != null) {
      line.append(String.format(Locale.ROOT, ", freshness %.1f s", freshness.toMillis() / 1000.0));
    }
    if (version == 0 && detail != null && !detail.isEmpty()) {
      line.append(": ").append(detail);
    }
    return line.toString();
  }

  private void append(StringBuilder line, String metric, String format) {
    Double value = metrics.get(metric);
    if (value != null && !value.isNaN()) {
      line.append(", ").append(String.format(Locale.ROOT, format, value));
    }
  }
}
