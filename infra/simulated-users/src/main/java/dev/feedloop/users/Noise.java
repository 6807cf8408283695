package dev.feedloop.users;

import java.util.Locale;
import java.util.Map;

/**
 * How far users stray from the hidden preference, so the loop's guardrails have work to do.
 *
 * @param random share of votes and choices cast at random
 * @param contrary share of votes and choices cast against the user's own taste
 * @param otherTaste share of users whose taste differs from the hidden preference on every
 *     attribute it names
 */
public record Noise(double random, double contrary, double otherTaste) {
  public static final Noise DEFAULT = new Noise(0.05, 0.05, 0.10);
  public static final Noise NONE = new Noise(0, 0, 0);

  public Noise {
    if (!(random >= 0 && contrary >= 0 && random + contrary <= 1)) {
      throw new IllegalArgumentException("random + contrary must lie in [0, 1]");
    }
    if (!(otherTaste >= 0 && otherTaste <= 1)) {
      throw new IllegalArgumentException("other-taste must be in [0, 1], got " + otherTaste);
    }
  }

  /** {@code random=0.05,contrary=0.05,other-taste=0.1}; keys left out keep the default. */
  public static Noise parse(String text) {
    Map<String, Double> values =
        Shares.parse(
            text,
            Map.of(
                "random", DEFAULT.random,
                "contrary", DEFAULT.contrary,
                "other-taste", DEFAULT.otherTaste));
    return new Noise(values.get("random"), values.get("contrary"), values.get("other-taste"));
  }

  /** How one vote is cast, for a uniform draw in [0, 1). */
  public Vote voteFor(double draw) {
    if (draw < random) {
      return Vote.RANDOM;
    }
    return draw < random + contrary ? Vote.CONTRARY : Vote.HONEST;
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT, "random=%s,contrary=%s,other-taste=%s", random, contrary, otherTaste);
  }

  /** How a vote is cast. */
  public enum Vote {
    HONEST,
    RANDOM,
    CONTRARY
  }
}
