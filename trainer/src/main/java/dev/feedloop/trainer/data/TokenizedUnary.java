package dev.feedloop.trainer.data;

/** A unary record as token ids. */
public record TokenizedUnary(int[] prompt, int[] completion, boolean desirable) {}
