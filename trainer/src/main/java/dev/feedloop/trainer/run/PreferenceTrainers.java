package dev.feedloop.trainer.run;

import java.util.Optional;
import java.util.ServiceLoader;

/** Finds the model-backed {@link PreferenceTrainer} on the class path. */
public final class PreferenceTrainers {
  private PreferenceTrainers() {}

  public static Optional<PreferenceTrainer> find() {
    return ServiceLoader.load(PreferenceTrainer.class).findFirst();
  }

  public static PreferenceTrainer require() {
    return find()
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "training and evaluation need a model backend, and none is available yet: the model module "
                        + "(DJL Llama/Qwen2 forward, LoRA, log-probs) does not provide a PreferenceTrainer in this build. "
                        + "`import` works without it."));
  }
}
