package dev.feedloop.trainer.data;

/**
 * Length limits in tokens, applied as TRL's DPO data collator does: the prompt is cut to {@code
 * maxPromptLength} (keeping its start or its end), then each completion to what is left of {@code
 * maxLength}, keeping its start.
 *
 * @param maxLength prompt + completion tokens; 0 = no limit
 * @param maxPromptLength prompt tokens; 0 = no limit
 * @param promptMode which end of a long prompt to keep
 * @param dropInsteadOfTruncate drop over-long records instead of cutting them
 */
public record TruncationConfig(
    int maxLength, int maxPromptLength, TruncationMode promptMode, boolean dropInsteadOfTruncate) {
  public TruncationConfig {
    if (maxLength < 0 || maxPromptLength < 0) {
      throw new IllegalArgumentException("length limits must be >= 0");
    }
    if (maxLength > 0 && maxPromptLength >= maxLength) {
      throw new IllegalArgumentException(
          "max prompt length ("
              + maxPromptLength
              + ") must leave room for the completion within max length ("
              + maxLength
              + ")");
    }
  }

  public static TruncationConfig none() {
    return new TruncationConfig(0, 0, TruncationMode.KEEP_END, false);
  }
}
