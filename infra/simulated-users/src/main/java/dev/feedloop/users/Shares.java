package dev.feedloop.users;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Parses the {@code key=value,...} share lists of {@link FeedbackMix} and {@link Noise}. */
final class Shares {
  private Shares() {}

  /**
   * The values of {@code text}, each in [0, 1], keys among {@code defaults}' (missing keys keep
   * their default).
   */
  static Map<String, Double> parse(String text, Map<String, Double> defaults) {
    Map<String, Double> values = new LinkedHashMap<>(defaults);
    for (String item : text.split(",")) {
      if (item.isBlank()) {
        continue;
      }
      String[] parts = item.split("=", 2);
      String key = parts[0].strip().toLowerCase(Locale.ROOT);
      if (parts.length != 2 || !defaults.containsKey(key)) {
        throw new IllegalArgumentException(
            "expected key=value with key one of " + defaults.keySet() + ", got '" + item + "'");
      }
      double value;
      try {
        value = Double.parseDouble(parts[1].strip());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(key + " must be a number, got '" + parts[1] + "'");
      }
      if (!(value >= 0 && value <= 1)) {
        throw new IllegalArgumentException(key + " must be in [0, 1], got " + value);
      }
      values.put(key, value);
    }
    return values;
  }
}
