package dev.feedloop.trainer.data;

/** Which end of an over-long prompt survives (TRL's truncation_mode). */
public enum TruncationMode {
  /** Keep the first tokens (system prompt and the start of the conversation). */
  KEEP_START,
  /** Keep the last tokens (the most recent turns, closest to the answer); TRL's default. */
  KEEP_END
}
