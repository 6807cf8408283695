package dev.feedloop.model;

/**
 * One generated continuation.
 *
 * <p>The log-prob to log for it is {@link LanguageModel#scoreGenerated}: the trainer's score of
 * {@code text}, which is {@link #totalLogProb()} when {@code tokens} are {@link
 * LanguageModel#completionTokens} of {@code text}.
 *
 * @param tokens generated ids, the end-of-sequence token included when one was produced
 * @param logProbs log p(token) of each generated token under the model's own distribution
 *     (temperature 1, before top-k/top-p truncation): what importance weights and KL estimates need
 * @param text decoded text without the end-of-sequence token and cut before a stop string; null
 *     when generated without a decoder
 * @param finishReason "stop" (EOS or stop string) or "length"
 */
public record Completion(long[] tokens, float[] logProbs, String text, String finishReason) {

  public double totalLogProb() {
    double s = 0;
    for (float lp : logProbs) {
      s += lp;
    }
    return s;
  }
}
