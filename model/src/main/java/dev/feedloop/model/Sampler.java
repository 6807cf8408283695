package dev.feedloop.model;

import java.util.Arrays;
import java.util.PriorityQueue;
import java.util.random.RandomGenerator;

/**
 * Picks the next token from a row of logits; plain Java, the rows are small next to the forward
 * pass. Top-k and top-p never sort the whole vocabulary: top-k keeps the k best in a bounded heap,
 * top-p collects the tokens above a falling probability threshold until they hold enough mass, and
 * only those candidates are sorted.
 */
public final class Sampler {

  /**
   * Thresholds of the top-p candidate search, relative to the most likely token's weight: most
   * nuclei are found among the tokens within a factor 100 of the best one.
   */
  private static final double THRESHOLD_STEP = 1e-2;

  private Sampler() {}

  /** log softmax(logits)[token], in double precision. */
  public static double logProb(float[] logits, int from, int vocab, int token) {
    return logits[from + token] - logSumExp(logits, from, vocab);
  }

  /** log Σ exp(logits), the normalizer of log softmax, in double precision. */
  public static double logSumExp(float[] logits, int from, int vocab) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < vocab; i++) {
      max = Math.max(max, logits[from + i]);
    }
    double sum = 0;
    for (int i = 0; i < vocab; i++) {
      sum += Math.exp(logits[from + i] - max);
    }
    return max + Math.log(sum);
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
   * The {@code k} highest logits' token ids, best first; equal logits in ascending id order (the
   * order a stable sort of the whole row would give). A bounded heap: O(vocab · log k).
   */
  public static int[] topK(float[] logits, int from, int vocab, int k) {
    k = Math.min(k, vocab);
    if (k <= 0) {
      return new int[0];
    }
    // the heap's head is the worst kept token: lowest logit, and among equals the highest id
    PriorityQueue<Integer> kept =
        new PriorityQueue<>(
            k + 1,
            (a, b) -> {
              int byLogit = Float.compare(logits[from + a], logits[from + b]);
              return byLogit != 0 ? byLogit : Integer.compare(b, a);
            });
    for (int i = 0; i < vocab; i++) {
      if (kept.size() < k) {
        kept.add(i);
      } else if (logits[from + i] > logits[from + kept.peek()]) {
        kept.poll();
        kept.add(i);
      }
    }
    int[] best = new int[kept.size()];
    for (int i = best.length - 1; i >= 0; i--) {
      best[i] = kept.poll();
    }
    return best;
  }

  /**
   * Samples from softmax(logits / temperature) restricted to the top-k and then the top-p nucleus;
   * temperature 0 is greedy. Draws one uniform number from {@code rnd} unless greedy.
   */
  public static int sample(
      float[] logits, int from, int vocab, SamplingParams p, RandomGenerator rnd) {
    if (p.temperature() == 0) {
      return argmax(logits, from, vocab);
    }
    if (p.topK() <= 0 && p.topP() >= 1) {
      // the whole vocabulary, in id order
      double[] weights = vocabularyWeights(logits, from, vocab, p.temperature());
      return draw(weights, null, vocab, sum(weights), rnd);
    }
    Candidates c = candidates(logits, from, vocab, p);
    int[] candidates = c.ids();
    double max = logits[from + candidates[0]];
    double[] weights = new double[candidates.length];
    double total = 0;
    for (int i = 0; i < candidates.length; i++) {
      weights[i] = Math.exp((logits[from + candidates[i]] - max) / p.temperature());
      total += weights[i];
    }
    int keep = candidates.length;
    if (p.topP() < 1) {
      // the smallest prefix (in probability order) whose mass reaches top_p of the mass sampled
      // from: the top-k's, or the whole vocabulary's
      double nucleus = p.topP() * (c.vocabularyMass() > 0 ? c.vocabularyMass() : total);
      double mass = 0;
      int prefix = 0;
      while (prefix < keep && mass < nucleus) {
        mass += weights[prefix++];
      }
      keep = Math.max(prefix, 1);
      total = mass;
    }
    return draw(weights, candidates, keep, total, rnd);
  }

  /**
   * Token ids best first, and the weight of the whole vocabulary (relative to the best token, at
   * the sampling temperature) when the candidates are a top-p superset; 0 for a top-k.
   */
  record Candidates(int[] ids, double vocabularyMass) {}

  /**
   * The tokens sampling may pick, best first: the top-k when k is set (top-p then cuts that list);
   * otherwise a set that surely contains the top-p nucleus, found without sorting the vocabulary.
   */
  static Candidates candidates(float[] logits, int from, int vocab, SamplingParams p) {
    if (p.topK() > 0) {
      return new Candidates(topK(logits, from, vocab, p.topK()), 0);
    }
    double[] weights = vocabularyWeights(logits, from, vocab, p.temperature());
    double total = sum(weights);
    // the nucleus is a prefix of the tokens in probability order, so any set of the best tokens
    // whose mass reaches top_p holds it: lower the threshold until the tokens above it do
    int[] above = new int[vocab];
    for (double threshold = THRESHOLD_STEP; ; threshold *= THRESHOLD_STEP) {
      int count = 0;
      double mass = 0;
      for (int i = 0; i < vocab; i++) {
        if (weights[i] >= threshold || threshold < Double.MIN_NORMAL) {
          above[count++] = i;
          mass += weights[i];
        }
      }
      if (mass >= p.topP() * total || count == vocab) {
        return new Candidates(sortedByLogit(logits, from, Arrays.copyOf(above, count)), total);
      }
    }
  }

  /** exp((logit - max logit) / temperature) of every token, in id order. */
  private static double[] vocabularyWeights(
      float[] logits, int from, int vocab, double temperature) {
    double max = logits[from + argmax(logits, from, vocab)];
    double[] weights = new double[vocab];
    for (int i = 0; i < vocab; i++) {
      weights[i] = Math.exp((logits[from + i] - max) / temperature);
    }
    return weights;
  }

  private static double sum(double[] weights) {
    double total = 0;
    for (double w : weights) {
      total += w;
    }
    return total;
  }

  /** Best first; equal logits in ascending id order (ids arrive ascending, the sort is stable). */
  private static int[] sortedByLogit(float[] logits, int from, int[] ids) {
    Integer[] boxed = new Integer[ids.length];
    for (int i = 0; i < ids.length; i++) {
      boxed[i] = ids[i];
    }
    Arrays.sort(boxed, (a, b) -> Float.compare(logits[from + b], logits[from + a]));
    int[] sorted = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      sorted[i] = boxed[i];
    }
    return sorted;
  }

  /** Inverse-CDF draw over the first {@code count} weights; {@code ids} null means index = id. */
  private static int draw(
      double[] weights, int[] ids, int count, double total, RandomGenerator rnd) {
    double u = rnd.nextDouble() * total;
    for (int i = 0; i < count; i++) {
      u -= weights[i];
      if (u <= 0) {
        return ids == null ? i : ids[i];
      }
    }
    return ids == null ? count - 1 : ids[count - 1];
  }
}
