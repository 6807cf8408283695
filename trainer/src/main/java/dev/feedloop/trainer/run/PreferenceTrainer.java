package dev.feedloop.trainer.run;

import java.util.Map;

/**
 * The seam between the CLI (and the online loop) and the model-backed training implementation. The
 * model module provides one and registers it in {@code
 * META-INF/services/dev.feedloop.trainer.run.PreferenceTrainer}; until then {@link
 * PreferenceTrainers#require()} fails with a clear message.
 */
public interface PreferenceTrainer {
  /**
   * Trains a LoRA adapter: writes it, metrics.jsonl and the report under {@code
   * config.outputDirectory()}.
   */
  TrainingSummary train(TrainingConfig config);

  /** TRL-named metrics of an adapter on the given data. */
  Map<String, Double> evaluate(EvaluationConfig config);
}
