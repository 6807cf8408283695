package dev.feedloop.schemas.settings;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration grammar of every setting, command-line option and environment variable: {@code
 * 0}, {@code 500ms}, {@code 90s}, {@code 10m}, {@code 2h}, {@code 1d}, or ISO-8601 ({@code PT90S},
 * {@code P1D}).
 */
public final class Durations {

  private static final Pattern AMOUNT = Pattern.compile("(\\d+)(ms|s|m|h|d)");
  static final String GRAMMAR = "use e.g. 500ms, 90s, 10m, 2h, 1d or PT90S";

  private Durations() {}

  public static Duration parse(String value) {
    if (value == null) {
      throw new IllegalArgumentException("no duration given: " + GRAMMAR);
    }
    String v = value.strip().toLowerCase(Locale.ROOT);
    if (v.equals("0")) {
      return Duration.ZERO;
    }
    if (v.startsWith("p")) {
      try {
        return Duration.parse(v.toUpperCase(Locale.ROOT));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("'" + value + "' is not a duration: " + GRAMMAR, e);
      }
    }
    Matcher matcher = AMOUNT.matcher(v);
    if (!matcher.matches()) {
      throw new IllegalArgumentException("'" + value + "' is not a duration: " + GRAMMAR);
    }
    long amount = Long.parseLong(matcher.group(1));
    return switch (matcher.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      case "h" -> Duration.ofHours(amount);
      default -> Duration.ofDays(amount);
    };
  }

  /** The shortest text {@link #parse} reads back as the same duration (e.g. 90s, 2h, 1500ms). */
  public static String format(Duration duration) {
    long millis = duration.toMillis();
    if (millis == 0) {
      return "0";
    }
    if (millis % 86_400_000 == 0) {
      return millis / 86_400_000 + "d";
    }
    if (millis % 3_600_000 == 0) {
      return millis / 3_600_000 + "h";
    }
    if (millis % 60_000 == 0) {
      return millis / 60_000 + "m";
    }
    if (millis % 1_000 == 0) {
      return millis / 1_000 + "s";
    }
    return millis + "ms";
  }
}
