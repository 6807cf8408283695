package dev.feedloop.schemas.rules;

import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.UnaryFeedback;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The content rules every training record must pass, wherever it comes from (live feedback through
 * feedback-streams, a data file through the trainer's import, a replay): a prompt with content, no
 * empty answer, nothing over-long, and a pair whose sides really differ. The first failing rule
 * gives the reason.
 */
public final class TrainingRecordValidator {

  private final RecordLimits limits;

  public TrainingRecordValidator(RecordLimits limits) {
    this.limits = limits;
  }

  public Optional<Rejection> check(UnaryFeedback unary) {
    return checkPrompt(unary.getPrompt()).or(() -> checkText("completion", unary.getCompletion()));
  }

  public Optional<Rejection> check(PreferencePair pair) {
    Optional<Rejection> content =
        checkPrompt(pair.getPrompt())
            .or(() -> checkText("chosen", pair.getChosen()))
            .or(() -> checkText("rejected", pair.getRejected()));
    if (content.isPresent()) {
      return content;
    }
    if (TextSimilarity.identical(pair.getChosen(), pair.getRejected())) {
      return Optional.of(
          new Rejection(RejectReason.IDENTICAL_PAIR, "chosen and rejected are the same text"));
    }
    double similarity = TextSimilarity.similarity(pair.getChosen(), pair.getRejected());
    if (similarity >= limits.similarityThreshold()) {
      return Optional.of(
          new Rejection(
              RejectReason.NEAR_IDENTICAL_PAIR,
              String.format(
                  Locale.ROOT,
                  "chosen and rejected trigram similarity %.3f >= threshold %.3f",
                  similarity,
                  limits.similarityThreshold())));
    }
    return Optional.empty();
  }

  private Optional<Rejection> checkPrompt(List<ChatMessage> prompt) {
    int chars = 0;
    boolean anyContent = false;
    for (ChatMessage message : prompt) {
      String content = message.getContent();
      chars += content.length();
      anyContent |= !content.isBlank();
    }
    if (!anyContent) {
      return Optional.of(new Rejection(RejectReason.EMPTY_TEXT, "prompt has no content"));
    }
    if (chars > limits.maxPromptChars()) {
      return Optional.of(
          new Rejection(
              RejectReason.TOO_LONG,
              "prompt has " + chars + " chars, max " + limits.maxPromptChars()));
    }
    return Optional.empty();
  }

  private Optional<Rejection> checkText(String what, String text) {
    if (text == null || text.isBlank()) {
      return Optional.of(new Rejection(RejectReason.EMPTY_TEXT, what + " is empty"));
    }
    if (text.length() > limits.maxCompletionChars()) {
      return Optional.of(
          new Rejection(
              RejectReason.TOO_LONG,
              what + " has " + text.length() + " chars, max " + limits.maxCompletionChars()));
    }
    return Optional.empty();
  }
}
