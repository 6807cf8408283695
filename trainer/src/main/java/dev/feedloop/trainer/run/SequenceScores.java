package dev.feedloop.trainer.run;

import ai.djl.ndarray.NDArray;

/**
 * What the model returns for a batch of (prompt, completion) sequences, all shape (B): the sum of
 * completion-token log-probs (prompt and padding masked), the number of completion tokens, and the
 * mean raw logit over completion tokens (for the logits/* metrics; may be null).
 */
public record SequenceScores(NDArray logps, NDArray tokenCounts, NDArray meanLogits) {}
