package dev.feedloop.trainer.backend;

import dev.feedloop.trainer.data.TokenizedUnary;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A micro-batch of unary records: scored as n completions, then the mismatched pairs of {@link
 * #mismatched()} from which KTO estimates its KL reference point.
 */
public record UnaryBatch(List<TokenizedUnary> unary) implements MicroBatch {
  public UnaryBatch {
    unary = List.copyOf(unary);
    if (unary.isEmpty()) {
      throw new IllegalArgumentException("empty micro-batch");
    }
  }

  /** A prompt and a completion given to it, as token ids. */
  public record PromptCompletion(int[] prompt, int[] completion) {}

  /**
   * KTO's mismatched pairs: record i's prompt with record (i - 1)'s completion, the batch rotated
   * by one as TRL's KTOTrainer does ({@code completions[-1:] + completions[:-1]}). The policy's and
   * the reference's log-probs of these, whose completion answers another prompt, estimate KL(policy
   * || reference) without a gradient. Every completion is used once and no prompt gets its own, so
   * a batch of one record has no mismatched pair (its KL estimate is 0) and this list is empty.
   */
  public List<PromptCompletion> mismatched() {
    int n = unary.size();
    if (n < 2) {
      return List.of();
    }
    List<PromptCompletion> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new PromptCompletion(unary.get(i).prompt(), unary.get((i + n - 1) % n).completion()));
    }
    return out;
  }

  @Override
  public <R> R match(Function<PairBatch, R> ifPairs, Function<UnaryBatch, R> ifUnary) {
    return ifUnary.apply(this);
  }

  @Override
  public int size() {
    return unary.size();
  }

  @Override
  public TokenizedRecords records() {
    return TokenizedRecords.ofUnary(unary);
  }
}
