package dev.feedloop.trainer.run;

import java.util.List;

/**
 * LoRA adapter shape, named as in PEFT's LoraConfig (r, lora_alpha, lora_dropout, target_modules).
 */
public record LoraSettings(int rank, double alpha, double dropout, List<String> targetModules) {
  public static final List<String> ALL_PROJECTIONS =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  public LoraSettings {
    targetModules = List.copyOf(targetModules);
    if (rank < 1) {
      throw new IllegalArgumentException("LoRA rank must be >= 1");
    }
    if (dropout < 0 || dropout >= 1) {
      throw new IllegalArgumentException("LoRA dropout must be in [0, 1)");
    }
    if (targetModules.isEmpty()) {
      throw new IllegalArgumentException("LoRA needs at least one target module");
    }
  }
}
