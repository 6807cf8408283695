package dev.feedloop.users.run;

import dev.feedloop.schemas.FeedbackKind;
import java.time.Duration;
import java.util.Locale;

/** How the reports write figures, the same way in the table, the HTML and the status line. */
final class Figures {
  /** What a figure that was not measured reads as. */
  static final String NONE = "-";

  private Figures() {}

  /** A share as a percentage with one decimal: 0.41 reads "41.0%". */
  static String percent(Double share) {
    return share == null ? NONE : String.format(Locale.ROOT, "%.1f%%", 100 * share);
  }

  /** "base" for the base model, else "v7". */
  static String version(Long adapterVersion) {
    return adapterVersion == null ? "base" : "v" + adapterVersion;
  }

  /** A count with thousands separators: 1,204. */
  static String count(long value) {
    return String.format(Locale.ROOT, "%,d", value);
  }

  /** Seconds with one decimal: "41.2 s". */
  static String seconds(Duration duration) {
    return duration == null ? NONE : String.format(Locale.ROOT, "%.1f s", seconds(duration, 0));
  }

  static double seconds(Duration duration, double ifNull) {
    return duration == null ? ifNull : duration.toNanos() / 1e9;
  }

  /** A clock reading of a duration: 03:12, or 1:03:12 past the hour. */
  static String clock(Duration duration) {
    long total = Math.max(0, duration.getSeconds());
    long hours = total / 3600;
    long minutes = total % 3600 / 60;
    long secs = total % 60;
    return hours > 0
        ? String.format(Locale.ROOT, "%d:%02d:%02d", hours, minutes, secs)
        : String.format(Locale.ROOT, "%02d:%02d", minutes, secs);
  }

  /** The feedback kind's name in summary.json: thumbs_up. */
  static String key(FeedbackKind kind) {
    return kind.name().toLowerCase(Locale.ROOT);
  }

  /** The feedback kind's name for people: thumbs up. */
  static String label(FeedbackKind kind) {
    return key(kind).replace('_', ' ');
  }

  static String orNone(Object value) {
    return value == null ? NONE : value.toString();
  }

  /** One refusal in words: "window 4 at 12:03: accuracy-drop (held-out accuracy 0.61 < 0.64)". */
  static String refusal(Refusal refusal) {
    StringBuilder text = new StringBuilder();
    if (refusal.window() != null) {
      text.append("window ").append(refusal.window());
    }
    if (refusal.version() != null) {
      text.append(text.isEmpty() ? "" : " ").append(version(refusal.version()));
    }
    text.append(text.isEmpty() ? "" : " ")
        .append("at ")
        .append(elapsed(refusal.elapsedSeconds()))
        .append(": ")
        .append(refusal.reason());
    if (!refusal.detail().isEmpty()) {
      text.append(" (").append(refusal.detail()).append(')');
    }
    return text.toString();
  }

  /** Seconds since the start as a clock reading. */
  static String elapsed(double seconds) {
    return clock(Duration.ofMillis(Math.round(seconds * 1000)));
  }
}
