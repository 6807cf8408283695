package dev.feedloop.trainer.backend;

import dev.feedloop.trainer.data.TokenizedPair;
import java.util.List;
import java.util.function.Function;

/** A micro-batch of pairs: scored as n chosen then n rejected sequences. */
public record PairBatch(List<TokenizedPair> pairs) implements MicroBatch {
  public PairBatch {
    pairs = List.copyOf(pairs);
    if (pairs.isEmpty()) {
      throw new IllegalArgumentException("empty micro-batch");
    }
  }

  @Override
  public <R> R match(Function<PairBatch, R> ifPairs, Function<UnaryBatch, R> ifUnary) {
    return ifPairs.apply(this);
  }

  @Override
  public int size() {
    return pairs.size();
  }

  @Override
  public TokenizedRecords records() {
    return TokenizedRecords.ofPairs(pairs);
  }
}
