package dev.feedloop.model;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Picks the next token from a row of logits; plain Java, the rows are small next to the forward
 * pass.
 */
public final class Sampler {

  private Sampler() {}

  /** log softmax(logits)[token], in double precision. */
  public static double logProb(float[] logits, int from, int vocab, int token) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < vocab; i++) {
      max = Math.max(max, logits[from + i]);
    }
    double sum = 0;
    for (int i = 0; i < vocab; i++) {
      sum += Math.exp(logits[from + i] - max);
    }
    return logits[from + token] - max - Math.log(sum);
  }

  public static int argmax(float[] logits, int from, int vocab) {
    int best = 0;
    for (int i = 1; i < vocab; i++) {
      if (logits[from + i] > logits[from + best]) {
        best = i;
      }
    }
    return best;
  }

  /**
   * Samples from softmax(logits / temperature) restricted to the top-k and then the top-p nucleus.
   */
  public static int sample(
      float[] logits, int from, int vocab, SamplingParams p, RandomGenerator rnd) {
    if (p.temperature() == 0) {
      return argmax(logits, from, vocab);
    }
    Integer[] order = null;
    int candidates = vocab;
    if (p.topK() > 0 || p.topP() < 1) {
      order = new Integer[vocab];
      for (int i = 0; i < vocab; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Float.compare(logits[from + b], logits[from + a]));
      if (p.topK() > 0) {
        candidates = Math.min(p.topK(), vocab);
      }
    }
    double max =
        order == null ? logits[from + argmax(logits, from, vocab)] : logits[from + order[0]];
    double[] weights = new double[candidates];
    double total = 0;
    for (int i = 0; i < candidates; i++) {
      int token = order == null ? i : order[i];
      weights[i] = Math.exp((logits[from + token] - max) / p.temperature());
      total += weights[i];
    }
    if (p.topP() < 1) {
      // keep the smallest prefix (in probability order) whose mass reaches top_p
      double mass = 0;
      int keep = 0;
      while (keep < candidates && mass < p.topP() * total) {
        mass += weights[keep++];
      }
      candidates = Math.max(keep, 1);
      total = mass;
    }
    double u = rnd.nextDouble() * total;
    for (int i = 0; i < candidates; i++) {
      u -= weights[i];
      if (u <= 0) {
        return order == null ? i : order[i];
      }
    }
    return order == null ? candidates - 1 : order[candidates - 1];
  }
}
