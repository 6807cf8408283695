package dev.feedloop.schemas.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.ChatMessages;
import dev.feedloop.schemas.PairSource;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.PromptHash;
import dev.feedloop.schemas.UnaryFeedback;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TrainingRecordValidatorTest {

  private static final List<ChatMessage> PROMPT = List.of(ChatMessages.user("Who are you?"));
  private final TrainingRecordValidator validator =
      new TrainingRecordValidator(
          RecordLimits.builder().maxPromptChars(40).maxCompletionChars(60).build());

  @Test
  void aPairWithContentAndARealDifferenceIsAccepted() {
    assertThat(validator.check(pair(PROMPT, "I am Athene.", "No idea."))).isEmpty();
  }

  @Test
  void eachRuleHasItsReasonCode() {
    assertThat(reason(pair(List.of(ChatMessages.user("  ")), "a b c", "x y z")))
        .contains(RejectReason.EMPTY_TEXT);
    assertThat(reason(pair(PROMPT, " ", "x y z"))).contains(RejectReason.EMPTY_TEXT);
    assertThat(reason(pair(PROMPT, "x y z", ""))).contains(RejectReason.EMPTY_TEXT);
    assertThat(reason(pair(List.of(ChatMessages.user("q".repeat(41))), "a b c", "x y z")))
        .contains(RejectReason.TOO_LONG);
    assertThat(reason(pair(PROMPT, "a".repeat(61), "x y z"))).contains(RejectReason.TOO_LONG);
    assertThat(reason(pair(PROMPT, "I am  Athene.", "i am athene.")))
        .contains(RejectReason.IDENTICAL_PAIR);
    String answer = "I am Athene, and I answer every question briefly and politely.";
    assertThat(
            new TrainingRecordValidator(RecordLimits.defaults())
                .check(pair(PROMPT, answer, answer.replace("briefly", "briefy")))
                .map(Rejection::reason))
        .contains(RejectReason.NEAR_IDENTICAL_PAIR);
  }

  @Test
  void unaryRecordsNeedAPromptAndACompletionWithinLimits() {
    assertThat(validator.check(unary(PROMPT, "I am Athene."))).isEmpty();
    assertThat(validator.check(unary(PROMPT, "\n")).map(Rejection::reason))
        .contains(RejectReason.EMPTY_TEXT);
    assertThat(validator.check(unary(PROMPT, "b".repeat(61))).map(Rejection::reason))
        .contains(RejectReason.TOO_LONG);
  }

  @Test
  void theThresholdIsInclusiveAndLimitsAreChecked() {
    String a = "abcd";
    String b = "abce"; // 1 common trigram of 3: 1/3
    assertThat(
            new TrainingRecordValidator(RecordLimits.builder().similarityThreshold(1.0 / 3).build())
                .check(pair(PROMPT, a, b))
                .map(Rejection::reason))
        .contains(RejectReason.NEAR_IDENTICAL_PAIR);
    assertThat(
            new TrainingRecordValidator(RecordLimits.builder().similarityThreshold(0.34).build())
                .check(pair(PROMPT, a, b)))
        .isEmpty();
    assertThatThrownBy(() -> RecordLimits.builder().similarityThreshold(0).build())
        .hasMessageContaining("similarity threshold");
    assertThatThrownBy(() -> RecordLimits.builder().maxPromptChars(0).build())
        .hasMessageContaining("max prompt");
  }

  @Test
  void reasonCodesRoundTrip() {
    for (RejectReason reason : RejectReason.values()) {
      assertThat(RejectReason.fromCode(reason.code())).isEqualTo(reason);
    }
    assertThat(RejectReason.NEAR_IDENTICAL_PAIR.code()).isEqualTo("near-identical-pair");
    assertThatThrownBy(() -> RejectReason.fromCode("nope")).hasMessageContaining("nope");
  }

  private Optional<RejectReason> reason(PreferencePair pair) {
    return validator.check(pair).map(Rejection::reason);
  }

  static PreferencePair pair(List<ChatMessage> prompt, String chosen, String rejected) {
    return PreferencePair.newBuilder()
        .setPairId(RecordIds.importedPair(prompt, chosen, rejected))
        .setPromptHash(PromptHash.of(prompt))
        .setModelId("m")
        .setPrompt(prompt)
        .setChosen(chosen)
        .setRejected(rejected)
        .setSource(PairSource.IMPORT)
        .setCreatedAt(Instant.EPOCH)
        .build();
  }

  static UnaryFeedback unary(List<ChatMessage> prompt, String completion) {
    return UnaryFeedback.newBuilder()
        .setRecordId(RecordIds.importedUnary(prompt, completion, true))
        .setPromptHash(PromptHash.of(prompt))
        .setModelId("m")
        .setPrompt(prompt)
        .setCompletion(completion)
        .setDesirable(true)
        .setCreatedAt(Instant.EPOCH)
        .build();
  }
}
