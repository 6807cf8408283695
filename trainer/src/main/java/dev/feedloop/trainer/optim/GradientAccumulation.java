package dev.feedloop.trainer.optim;

import java.util.ArrayList;
import java.util.List;

/**
 * Groups micro-batches into optimizer steps. Gradients add up across backward calls, so scaling
 * each micro-batch's loss by 1 / (size of its group) makes a step's gradient the mean over its
 * micro-batches, including a shorter last group at the end of an epoch or window.
 */
public record GradientAccumulation(int microBatchesPerStep) {
  public GradientAccumulation {
    if (microBatchesPerStep < 1) {
      throw new IllegalArgumentException("gradient accumulation steps must be >= 1");
    }
  }

  public <T> List<List<T>> groupIntoSteps(List<T> microBatches) {
    List<List<T>> steps = new ArrayList<>();
    for (int start = 0; start < microBatches.size(); start += microBatchesPerStep) {
      steps.add(
          List.copyOf(
              microBatches.subList(
                  start, Math.min(start + microBatchesPerStep, microBatches.size()))));
    }
    return steps;
  }

  public int optimizerSteps(int microBatches) {
    return (microBatches + microBatchesPerStep - 1) / microBatchesPerStep;
  }

  public static float lossScale(int microBatchesInStep) {
    return 1f / microBatchesInStep;
  }
}
