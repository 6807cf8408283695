package dev.feedloop.trainer.data;

import dev.feedloop.schemas.ChatMessage;
import java.util.List;
import java.util.Optional;

/** Checks a canonical record; the first failing rule gives the reason. */
public final class RecordValidator {
  private final ValidationConfig config;

  public RecordValidator(ValidationConfig config) {
    this.config = config;
  }

  public Optional<RejectReason> check(PreferencePair pair) {
    Optional<RejectReason> promptProblem = checkPrompt(pair.prompt());
    if (promptProblem.isPresent()) {
      return promptProblem;
    }
    if (pair.chosen().isBlank() || pair.rejected().isBlank()) {
      return Optional.of(RejectReason.EMPTY_COMPLETION);
    }
    if (pair.chosen().strip().equals(pair.rejected().strip())) {
      return Optional.of(RejectReason.IDENTICAL);
    }
    if (config.nearDuplicateThreshold() < 1.0
        && TextSimilarity.similarity(pair.chosen(), pair.rejected())
            >= config.nearDuplicateThreshold()) {
      return Optional.of(RejectReason.NEAR_IDENTICAL);
    }
    return Optional.empty();
  }

  public Optional<RejectReason> check(UnaryRecord record) {
    Optional<RejectReason> promptProblem = checkPrompt(record.prompt());
    if (promptProblem.isPresent()) {
      return promptProblem;
    }
    if (record.completion().isBlank()) {
      return Optional.of(RejectReason.EMPTY_COMPLETION);
    }
    return Optional.empty();
  }

  private Optional<RejectReason> checkPrompt(List<ChatMessage> prompt) {
    if (prompt.isEmpty() || prompt.stream().allMatch(m -> m.getContent().isBlank())) {
      return Optional.of(RejectReason.EMPTY_PROMPT);
    }
    if (config.maxPromptLength() > 0
        && config.promptLength().applyAsInt(prompt) > config.maxPromptLength()) {
      return Optional.of(RejectReason.PROMPT_TOO_LONG);
    }
    return Optional.empty();
  }
}
