package dev.feedloop.schemas.rules;

/**
 * The limits that {@link TrainingRecordValidator} applies, built by name:
 *
 * <pre>{@code
 * RecordLimits.builder().similarityThreshold(0.85).maxPromptChars(4_000).build()
 * }</pre>
 *
 * @param similarityThreshold a pair whose chosen and rejected texts have a {@link TextSimilarity}
 *     at or above this, in (0, 1], is near-identical and rejected
 * @param maxPromptChars longest accepted prompt (all message contents together)
 * @param maxCompletionChars longest accepted completion, chosen or rejected text
 */
public record RecordLimits(double similarityThreshold, int maxPromptChars, int maxCompletionChars) {

  public static final double DEFAULT_SIMILARITY_THRESHOLD = 0.9;
  public static final int DEFAULT_MAX_PROMPT_CHARS = 16_000;
  public static final int DEFAULT_MAX_COMPLETION_CHARS = 8_000;

  public RecordLimits {
    if (!(similarityThreshold > 0 && similarityThreshold <= 1)) {
      throw new IllegalArgumentException(
          "similarity threshold must be in (0, 1]: " + similarityThreshold);
    }
    if (maxPromptChars < 1 || maxCompletionChars < 1) {
      throw new IllegalArgumentException(
          "max prompt and completion chars must be >= 1: "
              + maxPromptChars
              + ", "
              + maxCompletionChars);
    }
  }

  public static RecordLimits defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private double similarityThreshold = DEFAULT_SIMILARITY_THRESHOLD;
    private int maxPromptChars = DEFAULT_MAX_PROMPT_CHARS;
    private int maxCompletionChars = DEFAULT_MAX_COMPLETION_CHARS;

    private Builder() {}

    public Builder similarityThreshold(double value) {
      this.similarityThreshold = value;
      return this;
    }

    public Builder maxPromptChars(int value) {
      this.maxPromptChars = value;
      return this;
    }

    public Builder maxCompletionChars(int value) {
      this.maxCompletionChars = value;
      return this;
    }

    public RecordLimits build() {
      return new RecordLimits(similarityThreshold, maxPromptChars, maxCompletionChars);
    }
  }
}
