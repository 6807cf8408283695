package dev.feedloop.trainer.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScheduleTest {
  @Test
  void warmupRampsLinearlyToThePeak() {
    // peak 1e-3, 4 warmup steps: steps 0..3 -> 1/4, 2/4, 3/4, 4/4 of the peak
    LearningRateSchedule schedule = new LearningRateSchedule(1e-3, 4, 14, ScheduleType.COSINE);
    assertThat(schedule.at(0)).isCloseTo(2.5e-4, within(1e-12));
    assertThat(schedule.at(1)).isCloseTo(5e-4, within(1e-12));
    assertThat(schedule.at(3)).isCloseTo(1e-3, within(1e-12));
  }

  @Test
  void cosineDecaysToZeroAtTheEnd() {
    // after 4 warmup steps, 10 decay steps: progress = (s - 4)/10; lr = peak/2 (1 + cos(pi
    // progress))
    //   s = 4 -> peak; s = 9 -> progress 0.5 -> peak/2; s = 14 -> 0; s = 6.5 would be 0.8536 peak
    LearningRateSchedule schedule = new LearningRateSchedule(1e-3, 4, 14, ScheduleType.COSINE);
    assertThat(schedule.at(4)).isCloseTo(1e-3, within(1e-12));
    assertThat(schedule.at(9)).isCloseTo(5e-4, within(1e-12));
    // s = 6: progress 0.2 -> 0.5 (1 + cos(0.2 pi)) = 0.5 (1 + 0.8090169944) = 0.9045084972
    assertThat(schedule.at(6)).isCloseTo(9.045084972e-4, within(1e-12));
    assertThat(schedule.at(14)).isCloseTo(0, within(1e-15));
    assertThat(schedule.at(100)).isCloseTo(0, within(1e-15));
  }

  @Test
  void linearDecaysProportionally() {
    // no warmup, 10 steps: lr = peak (1 - s/10): s = 0 -> peak, s = 3 -> 0.7 peak, s = 10 -> 0
    LearningRateSchedule schedule = new LearningRateSchedule(2e-4, 0, 10, ScheduleType.LINEAR);
    assertThat(schedule.at(0)).isCloseTo(2e-4, within(1e-15));
    assertThat(schedule.at(3)).isCloseTo(1.4e-4, within(1e-15));
    assertThat(schedule.at(10)).isCloseTo(0, within(1e-15));
  }

  @Test
  void constantHoldsThePeakAfterWarmupForever() {
    LearningRateSchedule schedule = new LearningRateSchedule(5e-5, 2, 0, ScheduleType.CONSTANT);
    assertThat(schedule.at(0)).isCloseTo(2.5e-5, within(1e-15));
    assertThat(schedule.at(2)).isEqualTo(5e-5);
    assertThat(schedule.at(1_000_000)).isEqualTo(5e-5);
  }

  @Test
  void warmupRatioRoundsUp() {
    // 10% of 25 steps = 2.5 -> 3 warmup steps
    assertThat(
            LearningRateSchedule.withWarmupRatio(1e-4, 0.1, 25, ScheduleType.LINEAR).warmupSteps())
        .isEqualTo(3);
    assertThatThrownBy(() -> new LearningRateSchedule(1e-4, 5, 5, ScheduleType.COSINE))
        .hasMessageContaining("warmup");
  }

  @Test
  void accumulationGroupsMicroBatchesAndScalesByGroupSize() {
    GradientAccumulation accumulation = new GradientAccumulation(3);
    List<List<Integer>> steps = accumulation.groupIntoSteps(List.of(1, 2, 3, 4, 5, 6, 7));
    assertThat(steps).containsExactly(List.of(1, 2, 3), List.of(4, 5, 6), List.of(7));
    assertThat(accumulation.optimizerSteps(7)).isEqualTo(3);
    assertThat(GradientAccumulation.lossScale(steps.get(0).size())).isEqualTo(1f / 3);
    assertThat(GradientAccumulation.lossScale(steps.get(2).size())).isEqualTo(1f);
  }

  @Test
  void sameSeedSameOrderDifferentEpochDifferentOrder() {
    List<Integer> data = java.util.stream.IntStream.range(0, 50).boxed().toList();
    TrainingRandom first = new TrainingRandom(42);
    TrainingRandom second = new TrainingRandom(42);
    assertThat(first.shuffled(data, 0)).isEqualTo(second.shuffled(data, 0));
    assertThat(first.shuffled(data, 0)).isNotEqualTo(first.shuffled(data, 1));
    assertThat(first.shuffled(data, 0)).isNotEqualTo(new TrainingRandom(43).shuffled(data, 0));
    assertThat(first.shuffled(data, 0)).containsExactlyInAnyOrderElementsOf(data);
  }
}
