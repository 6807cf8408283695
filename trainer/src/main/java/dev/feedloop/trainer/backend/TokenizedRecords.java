package dev.feedloop.trainer.backend;

import dev.feedloop.trainer.data.TokenizedPair;
import dev.feedloop.trainer.data.TokenizedUnary;
import java.util.List;

/**
 * Training records as token ids: pairs and unary records. A window may hold both; each kind is
 * trained with the objective's loss for it (see {@link PreferenceOptimizer#microBatches}).
 */
public record TokenizedRecords(List<TokenizedPair> pairs, List<TokenizedUnary> unary) {
  public TokenizedRecords {
    pairs = List.copyOf(pairs);
    unary = List.copyOf(unary);
  }

  public static TokenizedRecords ofPairs(List<TokenizedPair> pairs) {
    return new TokenizedRecords(pairs, List.of());
  }

  public static TokenizedRecords ofUnary(List<TokenizedUnary> unary) {
    return new TokenizedRecords(List.of(), unary);
  }

  public int size() {
    return pairs.size() + unary.size();
  }

  /**
   * Prompt + completion tokens the policy reads per pass over these records (both answers of a
   * pair).
   */
  public long tokens() {
    long tokens = 0;
    for (TokenizedPair pair : pairs) {
      tokens += 2L * pair.prompt().length + pair.chosen().length + pair.rejected().length;
    }
    for (TokenizedUnary record : unary) {
      tokens += record.prompt().length + record.completion().length;
    }
    return tokens;
  }
}
