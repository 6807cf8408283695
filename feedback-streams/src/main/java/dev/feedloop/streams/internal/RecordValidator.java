package dev.feedloop.streams.internal;

import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.UnaryFeedback;
import dev.feedloop.schemas.rules.TextSimilarity;
import dev.feedloop.streams.DeadLetterReason;
import dev.feedloop.streams.StreamsSettings;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The content rules every training record must pass: non-empty, not over-long, a real difference.
 */
public final class RecordValidator {

  public record Rejection(DeadLetterReason reason, String detail) {}

  private final StreamsSettings settings;

  public RecordValidator(StreamsSettings settings) {
    this.settings = settings;
  }

  public Optional<Rejection> check(Candidate candidate) {
    return candidate.isPair() ? check(candidate.pair()) : check(candidate.unary());
  }

  Optional<Rejection> check(UnaryFeedback unary) {
    return checkPrompt(unary.getPrompt()).or(() -> checkText("completion", unary.getCompletion()));
  }

  Optional<Rejection> check(PreferencePair pair) {
    Optional<Rejection> content =
        checkPrompt(pair.getPrompt())
            .or(() -> checkText("chosen", pair.getChosen()))
            .or(() -> checkText("rejected", pair.getRejected()));
    if (content.isPresent()) {
      return content;
    }
    if (TextSimilarity.identical(pair.getChosen(), pair.getRejected())) {
      return Optional.of(
          new Rejection(DeadLetterReason.IDENTICAL_PAIR, "chosen and rejected are the same text"));
    }
    double similarity = TextSimilarity.similarity(pair.getChosen(), pair.getRejected());
    if (similarity >= settings.similarityThreshold()) {
      return Optional.of(
          new Rejection(
              DeadLetterReason.NEAR_IDENTICAL_PAIR,
              String.format(
                  Locale.ROOT,
                  "chosen and rejected trigram similarity %.3f >= threshold %.3f",
                  similarity,
                  settings.similarityThreshold())));
    }
    return Optional.empty();
  }

  private Optional<Rejection> checkPrompt(List<ChatMessage> prompt) {
    int chars = 0;
    boolean anyContent = false;
    for (ChatMessage message : prompt) {
      chars += message.getContent().length();
      anyContent |= !message.getContent().isBlank();
    }
    if (!anyContent) {
      return Optional.of(new Rejection(DeadLetterReason.EMPTY_TEXT, "prompt has no content"));
    }
    if (chars > settings.maxPromptChars()) {
      return Optional.of(
          new Rejection(
              DeadLetterReason.TOO_LONG,
              "prompt has " + chars + " chars, max " + settings.maxPromptChars()));
    }
    return Optional.empty();
  }

  private Optional<Rejection> checkText(String what, String text) {
    if (text == null || text.isBlank()) {
      return Optional.of(new Rejection(DeadLetterReason.EMPTY_TEXT, what + " is empty"));
    }
    if (text.length() > settings.maxCompletionChars()) {
      return Optional.of(
          new Rejection(
              DeadLetterReason.TOO_LONG,
              what + " has " + text.length() + " chars, max " + settings.maxCompletionChars()));
    }
    return Optional.empty();
  }
}
