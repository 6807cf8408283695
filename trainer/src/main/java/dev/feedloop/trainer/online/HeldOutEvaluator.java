package dev.feedloop.trainer.online;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.feedloop.model.CausalLM;
import dev.feedloop.model.NoGrad;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.trainer.backend.ModelChatTokenizer;
import dev.feedloop.trainer.data.TokenizedPair;
import java.util.ArrayList;
import java.util.List;

/**
 * The guardrails' measurements on held-out records, without gradients, in batches:
 *
 * <ul>
 *   <li>preference accuracy: the share of pairs whose chosen answer the policy gives a higher
 *       log-probability than the rejected one. It needs no reference, so the live adapter (or the
 *       base model) and a candidate are compared on the same scale; the DPO reward accuracy would
 *       be 0 for whichever policy is the reference.
 *   <li>KL to the reference: at every token of a held-out chosen completion, KL(policy ||
 *       reference) between the two next-token distributions over the whole vocabulary (always >=
 *       0), summed per completion; reported per token and per completion.
 * </ul>
 */
final class HeldOutEvaluator {
  private final CausalLM model;
  private final int batchSize;

  HeldOutEvaluator(CausalLM model, int batchSize) {
    this.model = model;
    this.batchSize = batchSize;
  }

  /** The share of {@code pairs} where {@code adapter} (null: the base model) prefers chosen. */
  double accuracy(List<TokenizedPair> pairs, LoraAdapter adapter) {
    if (pairs.isEmpty()) {
      return Double.NaN;
    }
    int preferred = 0;
    for (int start = 0; start < pairs.size(); start += batchSize) {
      List<TokenizedPair> batch = pairs.subList(start, Math.min(pairs.size(), start + batchSize));
      List<CausalLM.Sequence> sequences = new ArrayList<>(2 * batch.size());
      batch.forEach(p -> sequences.add(sequence(p.prompt(), p.chosen())));
      batch.forEach(p -> sequences.add(sequence(p.prompt(), p.rejected())));
      try (NoGrad ignored = NoGrad.enter();
          NDManager scratch = model.manager().newSubManager()) {
        float[] sums =
            model
                .logProbs(scratch, sequences, adapter, false)
                .sum()
                .toType(DataType.FLOAT32, false)
                .toFloatArray();
        for (int i = 0; i < batch.size(); i++) {
          if (sums[i] > sums[batch.size() + i]) {
            preferred++;
          }
        }
      }
    }
    return (double) preferred / pairs.size();
  }

  /** KL(policy || reference) summed over the completion tokens of each sequence. */
  record Kl(long tokens, int sequences, double total) {
    double perToken() {
      return tokens == 0 ? 0 : total / tokens;
    }

    double perSequence() {
      return sequences == 0 ? 0 : total / sequences;
    }
  }

  /**
   * @param completions prompt and completion ids, e.g. held-out chosen answers
   * @param policy the candidate
   * @param reference the reference adapter, null for the base model
   */
  Kl kl(List<int[][]> completions, LoraAdapter policy, LoraAdapter reference) {
    long tokens = 0;
    double total = 0;
    for (int start = 0; start < completions.size(); start += batchSize) {
      List<int[][]> batch =
          completions.subList(start, Math.min(completions.size(), start + batchSize));
      int length = 0;
      for (int[][] sequence : batch) {
        length = Math.max(length, sequence[0].length + sequence[1].length);
      }
      int steps = length - 1; // position j predicts token j + 1
      if (steps < 1) {
        continue;
      }
      int rows = batch.size();
      long[] inputs = new long[rows * steps];
      float[] real = new float[rows * steps];
      float[] inCompletion = new float[rows * steps];
      for (int r = 0; r < rows; r++) {
        int[] prompt = batch.get(r)[0];
        int[] completion = batch.get(r)[1];
        int size = prompt.length + completion.length;
        for (int j = 0; j < steps; j++) {
          int at = r * steps + j;
          inputs[at] = j < prompt.length ? prompt[j] : j < size ? completion[j - prompt.length] : 0;
          real[at] = j < size ? 1 : 0;
          inCompletion[at] = j + 1 >= prompt.length && j + 1 < size ? 1 : 0;
        }
      }
      try (NoGrad ignored = NoGrad.enter();
          NDManager scratch = model.manager().newSubManager()) {
        Shape shape = new Shape(rows, steps);
        NDArray ids = scratch.create(inputs, shape);
        NDArray positions =
            scratch
                .arange(0, steps)
                .toType(DataType.INT64, false)
                .reshape(1, steps)
                .repeat(0, rows);
        NDArray keyMask = scratch.create(real, shape);
        NDArray p = model.forward(ids, positions, keyMask, null, policy, false).logSoftmax(2);
        NDArray q = model.forward(ids, positions, keyMask, null, reference, false).logSoftmax(2);
        // >= 0 in exact arithmetic; clamp the float rounding of equal distributions
        NDArray perPosition = p.exp().mul(p.sub(q)).sum(new int[] {2}).maximum(0f);
        NDArray mask = scratch.create(inCompletion, shape).toType(perPosition.getDataType(), false);
        total += perPosition.mul(mask).sum().toType(DataType.FLOAT64, false).getDouble();
      }
      for (float f : inCompletion) {
        tokens += (long) f;
      }
    }
    return new Kl(tokens, completions.size(), total);
  }

  private static CausalLM.Sequence sequence(int[] prompt, int[] completion) {
    return new CausalLM.Sequence(
        ModelChatTokenizer.toLongs(prompt), ModelChatTokenizer.toLongs(completion));
  }
}
