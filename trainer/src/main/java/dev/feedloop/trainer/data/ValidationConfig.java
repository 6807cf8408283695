package dev.feedloop.trainer.data;

import dev.feedloop.schemas.ChatMessage;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Record validation settings.
 *
 * @param nearDuplicateThreshold pairs whose {@link TextSimilarity} is at or above this are rejected
 *     as near-identical (1.0 or more disables the check; identical answers are always rejected)
 * @param maxPromptLength prompts longer than this (in {@code promptLength} units) are rejected; 0 =
 *     no limit
 * @param promptLength how a prompt is measured: characters by default, tokens once a tokenizer is
 *     known
 */
public record ValidationConfig(
    double nearDuplicateThreshold,
    int maxPromptLength,
    ToIntFunction<List<ChatMessage>> promptLength) {
  public static final double DEFAULT_NEAR_DUPLICATE_THRESHOLD = 0.95;

  public static ToIntFunction<List<ChatMessage>> characters() {
    return prompt -> prompt.stream().mapToInt(m -> m.getContent().length()).sum();
  }

  public static ValidationConfig defaults() {
    return new ValidationConfig(DEFAULT_NEAR_DUPLICATE_THRESHOLD, 0, characters());
  }
}
