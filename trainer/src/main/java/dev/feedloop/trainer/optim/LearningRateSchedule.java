package dev.feedloop.trainer.optim;

/**
 * Linear warmup to the peak learning rate, then constant, linear decay to 0, or half-cosine decay
 * to 0 at {@code totalSteps}, like transformers' get_*_schedule_with_warmup. One difference on
 * purpose: warmup step s (0-based) uses peak * (s + 1) / warmupSteps rather than peak * s /
 * warmupSteps, so the first optimizer step is not wasted at learning rate 0 (the online loop runs
 * only a few steps per window).
 *
 * @param peak the learning rate after warmup
 * @param warmupSteps optimizer steps of linear warmup (0 for none)
 * @param totalSteps optimizer steps of the whole run; decay reaches 0 there. Ignored by CONSTANT.
 */
public record LearningRateSchedule(
    double peak, int warmupSteps, int totalSteps, ScheduleType type) {
  public LearningRateSchedule {
    if (!(peak >= 0)) {
      throw new IllegalArgumentException("learning rate must be >= 0");
    }
    if (warmupSteps < 0) {
      throw new IllegalArgumentException("warmup steps must be >= 0");
    }
    if (type != ScheduleType.CONSTANT && totalSteps <= warmupSteps) {
      throw new IllegalArgumentException(
          type
              + " decay needs total steps ("
              + totalSteps
              + ") greater than warmup steps ("
              + warmupSteps
              + ")");
    }
  }

  /** Warmup given as a fraction of the total steps (transformers' warmup_ratio), rounded up. */
  public static LearningRateSchedule withWarmupRatio(
      double peak, double warmupRatio, int totalSteps, ScheduleType type) {
    int warmup = (int) Math.ceil(warmupRatio * totalSteps);
    if (type != ScheduleType.CONSTANT) {
      warmup = Math.min(warmup, totalSteps - 1);
    }
    return new LearningRateSchedule(peak, warmup, totalSteps, type);
  }

  /** The learning rate of optimizer step {@code step} (0-based). */
  public double at(int step) {
    if (step < warmupSteps) {
      return peak * (step + 1) / warmupSteps;
    }
    if (type == ScheduleType.CONSTANT) {
      return peak;
    }
    double progress = Math.min(1.0, (double) (step - warmupSteps) / (totalSteps - warmupSteps));
    return switch (type) {
      case LINEAR -> peak * (1 - progress);
      case COSINE -> peak * 0.5 * (1 + Math.cos(Math.PI * progress));
      case CONSTANT -> peak;
    };
  }
}
