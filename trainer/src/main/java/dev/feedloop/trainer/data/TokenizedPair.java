package dev.feedloop.trainer.data;

/** A pair as token ids; the model scores chosen and rejected given the same prompt ids. */
public record TokenizedPair(int[] prompt, int[] chosen, int[] rejected, double weight) {}
