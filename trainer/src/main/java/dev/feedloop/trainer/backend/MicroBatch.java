package dev.feedloop.trainer.backend;

import java.util.function.Function;

/**
 * The records of one forward/backward pass, all of one kind: the policy scores a batch of pairs and
 * a batch of unary records differently (chosen and rejected, against a completion and a mismatched
 * one for KTO's KL estimate), and the objective has one loss for each kind.
 */
public sealed interface MicroBatch permits PairBatch, UnaryBatch {
  /** Records in the batch (a pair counts once). */
  int size();

  /**
   * The one of the two functions that takes this kind of batch, applied to it: an exhaustive choice
   * by kind without casts (Java 17 has no pattern matching in switch).
   */
  <R> R match(Function<PairBatch, R> ifPairs, Function<UnaryBatch, R> ifUnary);

  /** The same records as a one-kind {@link TokenizedRecords}. */
  TokenizedRecords records();
}
