package dev.feedloop.model;

import java.util.List;

/**
 * How to pick tokens.
 *
 * @param maxNewTokens generation stops after this many tokens
 * @param temperature 0 means greedy (argmax)
 * @param topP nucleus sampling mass, 1 disables
 * @param topK keep the k most likely tokens, 0 disables
 * @param seed makes sampling reproducible; null draws a random seed
 * @param stop generation stops when the text contains one of these (it is cut before the stop
 *     string)
 * @param n candidates per prompt
 */
public record SamplingParams(
    int maxNewTokens,
    double temperature,
    double topP,
    int topK,
    Long seed,
    List<String> stop,
    int n) {

  public SamplingParams {
    stop = stop == null ? List.of() : List.copyOf(stop);
    if (maxNewTokens < 0 || n < 1 || temperature < 0 || topP <= 0 || topP > 1 || topK < 0) {
      throw new IllegalArgumentException(
          "invalid sampling parameters: "
              + maxNewTokens
              + " tokens, n="
              + n
              + ", temperature="
              + temperature
              + ", top_p="
              + topP
              + ", top_k="
              + topK);
    }
  }

  public static SamplingParams greedy(int maxNewTokens) {
    return new SamplingParams(maxNewTokens, 0, 1, 0, 0L, List.of(), 1);
  }

  public static SamplingParams sample(
      int maxNewTokens, double temperature, double topP, long seed) {
    return new SamplingParams(maxNewTokens, temperature, topP, 0, seed, List.of(), 1);
  }

  public SamplingParams withN(int candidates) {
    return new SamplingParams(maxNewTokens, temperature, topP, topK, seed, stop, candidates);
  }

  public SamplingParams withStop(List<String> stopStrings) {
    return new SamplingParams(maxNewTokens, temperature, topP, topK, seed, stopStrings, n);
  }

  public SamplingParams withTopK(int k) {
    return new SamplingParams(maxNewTokens, temperature, topP, k, seed, stop, n);
  }
}
