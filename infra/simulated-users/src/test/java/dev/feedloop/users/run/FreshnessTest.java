package dev.feedloop.users.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FreshnessTest {
  private static Freshness.Sample sample(long seconds, long weight) {
    return new Freshness.Sample(Duration.ofSeconds(seconds), weight);
  }

  @Test
  void weightedQuantilesOfAHandComputedCase() {
    // 10 s x 1, 20 s x 3, 30 s x 5, 90 s x 1: total 10, given out of order
    List<Freshness.Sample> samples =
        List.of(sample(30, 5), sample(90, 1), sample(10, 1), sample(20, 3));
    // rank ceil(0.5 * 10) = 5: ranks 1 = 10 s, 2-4 = 20 s, 5-9 = 30 s, 10 = 90 s
    assertThat(Freshness.quantile(samples, 0.5)).isEqualTo(Duration.ofSeconds(30));
    assertThat(Freshness.quantile(samples, 0.4)).isEqualTo(Duration.ofSeconds(20));
    assertThat(Freshness.quantile(samples, 0.9)).isEqualTo(Duration.ofSeconds(30));
    // rank ceil(9.5) = 10
    assertThat(Freshness.quantile(samples, 0.95)).isEqualTo(Duration.ofSeconds(90));
    assertThat(Freshness.quantile(samples, 0.0)).isEqualTo(Duration.ofSeconds(10));

    Freshness freshness = Freshness.of(samples);
    assertThat(freshness.samples()).isEqualTo(4);
    assertThat(freshness.weight()).isEqualTo(10);
    assertThat(freshness.p50()).isEqualTo(Duration.ofSeconds(30));
    assertThat(freshness.p95()).isEqualTo(Duration.ofSeconds(90));
    assertThat(freshness.max()).isEqualTo(Duration.ofSeconds(90));
    assertThat(freshness.measured()).isTrue();
  }

  @Test
  void aHeavyWindowOutweighsManyLightOnes() {
    // unweighted, the median would be 100 s; 500 records at 5 s make it 5 s
    List<Freshness.Sample> samples =
        List.of(sample(5, 500), sample(100, 1), sample(100, 1), sample(100, 1));
    assertThat(Freshness.of(samples).p50()).isEqualTo(Duration.ofSeconds(5));
    assertThat(Freshness.of(samples).p95()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void equalsTheNearestRankQuantileOfTheExpandedSamples() {
    Random random = new Random(7);
    for (int trial = 0; trial < 300; trial++) {
      List<Freshness.Sample> samples = new ArrayList<>();
      List<Duration> expanded = new ArrayList<>();
      int count = 1 + random.nextInt(12);
      for (int i = 0; i < count; i++) {
        Duration age = Duration.ofMillis(random.nextInt(120_000));
        long weight = random.nextInt(6); // zero weights included
        samples.add(new Freshness.Sample(age, weight));
        for (long k = 0; k < weight; k++) {
          expanded.add(age);
        }
      }
      if (expanded.isEmpty()) {
        assertThat(Freshness.of(samples).measured()).isFalse();
        continue;
      }
      expanded.sort(null);
      for (double q : new double[] {0, 0.05, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1}) {
        int rank = Math.max(1, (int) Math.ceil(q * expanded.size() - 1e-9));
        assertThat(Freshness.quantile(samples, q))
            .as("q %s of %s", q, samples)
            .isEqualTo(expanded.get(rank - 1));
      }
    }
  }

  @Test
  void roundingDoesNotPushARankUp() {
    // 0.07 * 100 is 7.000000000000001 in floating point: the 7th of 100, not the 8th
    List<Freshness.Sample> samples = new ArrayList<>();
    for (int i = 1; i <= 100; i++) {
      samples.add(Freshness.Sample.of(Duration.ofSeconds(i)));
    }
    assertThat(Freshness.quantile(samples, 0.07)).isEqualTo(Duration.ofSeconds(7));
    assertThat(Freshness.quantile(samples, 0.95)).isEqualTo(Duration.ofSeconds(95));
  }

  @Test
  void nothingWeighedHasNoQuantiles() {
    Freshness none = Freshness.of(List.of());
    assertThat(none.measured()).isFalse();
    assertThat(none.p50()).isNull();
    assertThat(none.p95()).isNull();
    assertThat(Freshness.of(List.of(sample(3, 0))).samples()).isEqualTo(1);
    assertThatThrownBy(() -> Freshness.quantile(List.of(sample(3, 0)), 0.5))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Freshness.quantile(List.of(sample(3, 1)), 1.5))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Freshness.Sample(Duration.ofSeconds(-1), 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> sample(1, -1)).isInstanceOf(IllegalArgumentException.class);
  }
}
