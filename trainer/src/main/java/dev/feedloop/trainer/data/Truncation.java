package dev.feedloop.trainer.data;

import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.UnaryFeedback;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Pure truncation of tokenized records, counting what it cut or dropped. */
public final class Truncation {
  private final TruncationConfig config;
  private final TruncationStats stats;

  public Truncation(TruncationConfig config, TruncationStats stats) {
    this.config = config;
    this.stats = stats;
  }

  public TruncationStats stats() {
    return stats;
  }

  /**
   * The pair within the limits, or empty when it was dropped (over-long with drop mode, or no room
   * for an answer).
   */
  public Optional<TokenizedPair> apply(TokenizedPair pair) {
    stats.countRecord();
    int[] prompt = pair.prompt();
    boolean overLong =
        promptTooLong(prompt)
            || completionTooLong(prompt.length, pair.chosen())
            || completionTooLong(prompt.length, pair.rejected());
    if (overLong && config.dropInsteadOfTruncate()) {
      stats.countDropped();
      return Optional.empty();
    }
    prompt = truncatePrompt(prompt);
    int room = roomForCompletion(prompt.length);
    if (room == 0 || pair.chosen().length == 0 || pair.rejected().length == 0) {
      stats.countDropped();
      return Optional.empty();
    }
    return Optional.of(
        new TokenizedPair(
            prompt,
            truncateCompletion(pair.chosen(), room),
            truncateCompletion(pair.rejected(), room),
            pair.weight()));
  }

  public Optional<TokenizedUnary> apply(TokenizedUnary record) {
    stats.countRecord();
    int[] prompt = record.prompt();
    if ((promptTooLong(prompt) || completionTooLong(prompt.length, record.completion()))
        && config.dropInsteadOfTruncate()) {
      stats.countDropped();
      return Optional.empty();
    }
    prompt = truncatePrompt(prompt);
    int room = roomForCompletion(prompt.length);
    if (room == 0 || record.completion().length == 0) {
      stats.countDropped();
      return Optional.empty();
    }
    return Optional.of(
        new TokenizedUnary(
            prompt, truncateCompletion(record.completion(), room), record.desirable()));
  }

  /** Tokenizes a pair through the model's chat template, then truncates it. */
  public Optional<TokenizedPair> tokenize(PreferencePair pair, ChatTokenizer tokenizer) {
    List<ChatMessage> prompt = pair.getPrompt();
    return apply(
        new TokenizedPair(
            tokenizer.encodePrompt(prompt),
            tokenizer.encodeCompletion(prompt, pair.getChosen()),
            tokenizer.encodeCompletion(prompt, pair.getRejected()),
            pair.getWeight()));
  }

  public Optional<TokenizedUnary> tokenize(UnaryFeedback record, ChatTokenizer tokenizer) {
    List<ChatMessage> prompt = record.getPrompt();
    return apply(
        new TokenizedUnary(
            tokenizer.encodePrompt(prompt),
            tokenizer.encodeCompletion(prompt, record.getCompletion()),
            record.getDesirable()));
  }

  private boolean promptTooLong(int[] prompt) {
    return config.maxPromptLength() > 0 && prompt.length > config.maxPromptLength()
        || config.maxLength() > 0 && prompt.length >= config.maxLength();
  }

  private boolean completionTooLong(int promptLength, int[] completion) {
    return config.maxLength() > 0 && promptLength + completion.length > config.maxLength();
  }

  private int[] truncatePrompt(int[] prompt) {
    int limit = config.maxPromptLength();
    if (limit == 0 || prompt.length <= limit) {
      return prompt;
    }
    stats.countPromptTruncated();
    return config.promptMode() == TruncationMode.KEEP_START
        ? Arrays.copyOfRange(prompt, 0, limit)
        : Arrays.copyOfRange(prompt, prompt.length - limit, prompt.length);
  }

  private int roomForCompletion(int promptLength) {
    return config.maxLength() == 0
        ? Integer.MAX_VALUE
        : Math.max(0, config.maxLength() - promptLength);
  }

  private int[] truncateCompletion(int[] completion, int room) {
    if (completion.length <= room) {
      return completion;
    }
    stats.countCompletionTruncated();
    return Arrays.copyOfRange(completion, 0, room);
  }
}
