package dev.feedloop.trainer.optim;

/**
 * AdamW hyperparameters (Loshchilov and Hutter 2019), named as in torch.optim.AdamW. The learning
 * rate itself comes from the schedule at each step.
 */
public record AdamWConfig(double beta1, double beta2, double epsilon, double weightDecay) {
  public AdamWConfig {
    if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) {
      throw new IllegalArgumentException("betas must be in [0, 1): " + beta1 + ", " + beta2);
    }
    if (!(epsilon > 0)) {
      throw new IllegalArgumentException("epsilon must be positive");
    }
    if (weightDecay < 0) {
      throw new IllegalArgumentException("weight decay must be >= 0");
    }
  }

  /**
   * The Hugging Face Trainer defaults: betas (0.9, 0.999), eps 1e-8, with the given decoupled
   * weight decay.
   */
  public static AdamWConfig withWeightDecay(double weightDecay) {
    return new AdamWConfig(0.9, 0.999, 1e-8, weightDecay);
  }
}
