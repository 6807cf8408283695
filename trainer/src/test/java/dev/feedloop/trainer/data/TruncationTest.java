package dev.feedloop.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.ChatMessages;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TruncationTest {
  private static int[] range(int from, int toExclusive) {
    return java.util.stream.IntStream.range(from, toExclusive).toArray();
  }

  @Test
  void promptKeepsItsEndByDefaultAndCompletionsKeepTheirStart() {
    // prompt 0..9 (10 tokens), chosen 100..105 (6), rejected 200..201 (2); max prompt 4, max length
    // 8
    // prompt keep_end -> [6,7,8,9]; room 8 - 4 = 4 -> chosen [100..103], rejected untouched
    TruncationStats stats = new TruncationStats();
    Truncation truncation =
        new Truncation(new TruncationConfig(8, 4, TruncationMode.KEEP_END, false), stats);
    TokenizedPair pair =
        truncation
            .apply(new TokenizedPair(range(0, 10), range(100, 106), range(200, 202), 1.0))
            .orElseThrow();
    assertThat(pair.prompt()).containsExactly(6, 7, 8, 9);
    assertThat(pair.chosen()).containsExactly(100, 101, 102, 103);
    assertThat(pair.rejected()).containsExactly(200, 201);
    assertThat(stats.promptsTruncated()).isEqualTo(1);
    assertThat(stats.completionsTruncated()).isEqualTo(1);
    assertThat(stats.dropped()).isZero();
  }

  @Test
  void keepStartKeepsTheBeginningOfThePrompt() {
    Truncation truncation =
        new Truncation(
            new TruncationConfig(0, 3, TruncationMode.KEEP_START, false), new TruncationStats());
    TokenizedUnary record =
        truncation.apply(new TokenizedUnary(range(0, 10), range(50, 52), true)).orElseThrow();
    assertThat(record.prompt()).containsExactly(0, 1, 2);
    assertThat(record.completion()).containsExactly(50, 51);
  }

  @Test
  void dropModeDropsOverLongRecordsAndCountsThem() {
    TruncationStats stats = new TruncationStats();
    Truncation truncation =
        new Truncation(new TruncationConfig(8, 4, TruncationMode.KEEP_END, true), stats);
    assertThat(truncation.apply(new TokenizedPair(range(0, 3), range(10, 14), range(20, 22), 1.0)))
        .isPresent();
    assertThat(truncation.apply(new TokenizedPair(range(0, 3), range(10, 16), range(20, 22), 1.0)))
        .isEmpty();
    assertThat(stats.asMap())
        .containsEntry("records", 2L)
        .containsEntry("dropped", 1L)
        .containsEntry("completions_truncated", 0L);
  }

  @Test
  void recordWithoutRoomForAnAnswerIsDropped() {
    // no prompt limit; a prompt of max length leaves 0 tokens for the answer
    TruncationStats stats = new TruncationStats();
    Truncation truncation =
        new Truncation(new TruncationConfig(5, 0, TruncationMode.KEEP_END, false), stats);
    assertThat(truncation.apply(new TokenizedUnary(range(0, 5), range(9, 11), false))).isEmpty();
    assertThat(stats.dropped()).isEqualTo(1);
  }

  @Test
  void withinLimitsNothingChanges() {
    TruncationStats stats = new TruncationStats();
    Truncation truncation = new Truncation(TruncationConfig.none(), stats);
    int[] prompt = range(0, 1000);
    Optional<TokenizedPair> pair =
        truncation.apply(new TokenizedPair(prompt, range(0, 500), range(0, 700), 1.0));
    assertThat(pair.orElseThrow().prompt()).isSameAs(prompt);
    assertThat(stats.promptsTruncated() + stats.completionsTruncated() + stats.dropped()).isZero();
  }

  @Test
  void tokenizesThroughTheModelsChatTokenizer() {
    // a stand-in tokenizer: one id per character; the prompt ends with a 1-token assistant header
    // (id 0)
    ChatTokenizer characters =
        new ChatTokenizer() {
          @Override
          public int[] encodePrompt(List<ChatMessage> prompt) {
            String text = prompt.stream().map(ChatMessage::getContent).reduce("", String::concat);
            return java.util.stream.IntStream.concat(text.chars(), java.util.stream.IntStream.of(0))
                .toArray();
          }

          @Override
          public int[] encodeCompletion(List<ChatMessage> prompt, String completion) {
            return completion.chars().toArray();
          }

          @Override
          public String fingerprint() {
            return "chars";
          }
        };
    Truncation truncation =
        new Truncation(
            new TruncationConfig(6, 3, TruncationMode.KEEP_END, false), new TruncationStats());
    TokenizedPair pair =
        truncation
            .tokenize(
                ImportedRecords.stamped(ImportedRecords.DEFAULT_MODEL_ID, java.time.Instant.EPOCH)
                    .pair(List.of(ChatMessages.user("abcd")), "xyzw", "q"),
                characters)
            .orElseThrow();
    assertThat(pair.prompt()).containsExactly('c', 'd', 0);
    assertThat(pair.chosen()).containsExactly('x', 'y', 'z');
    assertThat(Arrays.stream(pair.rejected()).boxed().toList()).containsExactly((int) 'q');
  }

  @Test
  void promptLimitMustLeaveRoomForTheAnswer() {
    assertThatThrownBy(() -> new TruncationConfig(10, 10, TruncationMode.KEEP_END, false))
        .hasMessageContaining("room");
  }
}
