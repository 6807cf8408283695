package dev.feedloop.trainer.run;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.feedloop.trainer.data.ChatTokenizer;
import java.util.List;

/**
 * What the training loop needs from the model: batched completion log-probs with the adapter on
 * (the policy, recorded for autograd inside a GradientCollector) or off (the reference, no
 * gradient), the trainable LoRA parameters, and the chat tokenizer. The loop then feeds {@link
 * SequenceScores} into {@code PairLogps}/{@code UnaryLogps} and {@code PreferenceObjective}, and
 * the parameters into {@code AdamW}.
 */
public interface PolicyScorer {
  /**
   * @param manager the step's scratch manager; every returned array must live in it
   * @param adaptersEnabled true for the policy, false for the base-model reference
   * @param training true only inside a training step: turns on LoRA dropout (evaluation is
   *     deterministic)
   */
  SequenceScores score(
      NDManager manager,
      List<int[]> prompts,
      List<int[]> completions,
      boolean adaptersEnabled,
      boolean training);

  /** The LoRA A/B matrices, each with a gradient attached. */
  List<NDArray> trainableParameters();

  ChatTokenizer tokenizer();

  /**
   * Identifies base weights + tokenizer (+ reference adapter): the {@link ReferenceLogpsCache}
   * fingerprint.
   */
  String referenceFingerprint();
}
