package dev.feedloop.trainer.online;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ReservoirTest {

  @Test
  void keepsEverythingUntilFullThenStaysBounded() {
    Reservoir<Integer> reservoir = new Reservoir<>(8, 1);
    IntStream.range(0, 5).forEach(reservoir::offer);
    assertThat(reservoir.items()).containsExactly(0, 1, 2, 3, 4);
    IntStream.range(5, 1000).forEach(reservoir::offer);
    assertThat(reservoir.size()).isEqualTo(8);
    assertThat(reservoir.seen()).isEqualTo(1000);
    assertThat(reservoir.items()).doesNotHaveDuplicates().allMatch(i -> i >= 0 && i < 1000);
  }

  @Test
  void samplesUniformlyOverEverythingOffered() {
    // over many seeds, an item offered early is kept about as often as one offered late
    int early = 0;
    int late = 0;
    for (long seed = 0; seed < 2000; seed++) {
      Reservoir<Integer> reservoir = new Reservoir<>(10, seed);
      IntStream.range(0, 100).forEach(reservoir::offer);
      early += reservoir.items().contains(3) ? 1 : 0;
      late += reservoir.items().contains(96) ? 1 : 0;
    }
    // expected 2000 * 10 / 100 = 200 each
    assertThat(early).isBetween(140, 260);
    assertThat(late).isBetween(140, 260);
  }

  @Test
  void aRestoredReservoirDecidesAsTheSavedOne() {
    Reservoir<Integer> saved = new Reservoir<>(6, 42);
    IntStream.range(0, 50).forEach(saved::offer);
    Reservoir<Integer> restored = new Reservoir<>(6, 42, saved.seen(), saved.items());
    IntStream.range(50, 200).forEach(saved::offer);
    IntStream.range(50, 200).forEach(restored::offer);
    assertThat(restored.items()).isEqualTo(saved.items());
  }

  @Test
  void copiesAreIndependent() {
    Reservoir<Integer> original = new Reservoir<>(3, 7);
    original.offer(1);
    Reservoir<Integer> copy = original.copy();
    copy.offer(2);
    assertThat(original.items()).containsExactly(1);
    assertThat(copy.items()).containsExactly(1, 2);
  }
}
