package dev.feedloop.users.run;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The loop's headline latency over a run: from a user's feedback event to the adapter that learned
 * from it being live in serving.
 *
 * <p>Samples carry a weight (typically the number of feedback records they stand for), so that a
 * window of 500 records counts 500 times as much as a window of one. Quantiles are weighted nearest
 * rank: the age at rank {@code ceil(q * total weight)} when every sample is repeated weight times.
 * Nearest rank rather than interpolation because it only ever reports an age that happened (two
 * windows minutes apart have nothing in between) and equals the plain quantile of the expanded
 * samples exactly.
 *
 * @param samples how many samples were given (weight 0 included)
 * @param weight their total weight
 * @param p50 the weighted median, null without any weight
 * @param p95 the weighted 95th percentile, null without any weight
 * @param max the oldest sample with weight, null without any weight
 */
public record Freshness(int samples, long weight, Duration p50, Duration p95, Duration max) {

  /**
   * One measured age.
   *
   * @param age from the feedback event to its adapter being live; not negative
   * @param weight how many feedback records it stands for; not negative (0: counted as a sample but
   *     moves no quantile)
   */
  public record Sample(Duration age, long weight) {
    public Sample {
      Objects.requireNonNull(age, "age");
      if (age.isNegative() || weight < 0) {
        throw new IllegalArgumentException(
            "a freshness sample needs an age and a weight of zero or more, got "
                + age
                + " x "
                + weight);
      }
    }

    /** A sample that stands for one record. */
    public static Sample of(Duration age) {
      return new Sample(age, 1);
    }
  }

  /** The quantiles of {@code samples}; a Freshness with null ages when they weigh nothing. */
  public static Freshness of(List<Sample> samples) {
    long weight = totalWeight(samples);
    if (weight == 0) {
      return new Freshness(samples.size(), 0, null, null, null);
    }
    return new Freshness(
        samples.size(),
        weight,
        quantile(samples, 0.5),
        quantile(samples, 0.95),
        quantile(samples, 1.0));
  }

  /** True when at least one sample carried weight. */
  public boolean measured() {
    return weight > 0;
  }

  /**
   * The weighted nearest-rank quantile {@code q} (0 to 1) of the samples.
   *
   * @throws IllegalArgumentException when q is outside [0, 1] or the samples weigh nothing
   */
  public static Duration quantile(List<Sample> samples, double q) {
    if (!(q >= 0 && q <= 1)) {
      throw new IllegalArgumentException("a quantile is between 0 and 1, got " + q);
    }
    long total = totalWeight(samples);
    if (total == 0) {
      throw new IllegalArgumentException("no freshness sample carries weight");
    }
    // the tolerance keeps q * total from landing one rank too high by rounding (0.07 * 100 is
    // 7.000000000000001 in floating point)
    long rank = Math.max(1, (long) Math.ceil(q * total - 1e-9));
    List<Sample> sorted = new ArrayList<>(samples);
    sorted.sort(Comparator.comparing(Sample::age));
    long cumulative = 0;
    for (Sample sample : sorted) {
      cumulative += sample.weight();
      if (cumulative >= rank) {
        return sample.age();
      }
    }
    throw new IllegalStateException("unreachable: rank " + rank + " of " + total);
  }

  private static long totalWeight(List<Sample> samples) {
    return samples.stream().mapToLong(Sample::weight).sum();
  }
}
