package dev.feedloop.trainer.backend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.model.LanguageModel;
import dev.feedloop.schemas.ChatMessages;
import dev.feedloop.trainer.data.ChatTokenizer;
import dev.feedloop.trainer.data.ImportResult;
import dev.feedloop.trainer.data.PromptFormat;
import dev.feedloop.trainer.data.TokenizedPair;
import dev.feedloop.trainer.data.TokenizedUnary;
import dev.feedloop.trainer.data.Truncation;
import dev.feedloop.trainer.data.TruncationConfig;
import dev.feedloop.trainer.data.TruncationStats;
import dev.feedloop.trainer.tiny.ShippedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same TRL standard JSONL trains on the chat template's tokens by default and, with the raw
 * prompt format, on the plain text's tokens as TRL does: the prompt encoded as it is, the answer
 * following it directly and ending with the eos token.
 */
class PromptFormatTokensTest {
  @TempDir Path directory;

  private static final String PROMPT = "What is the capital of Quendor?";
  private static final String CHOSEN = " The capital of Quendor is Velmora.";
  private static final String REJECTED = " I cannot say.";

  private static long[] longs(int[] ids) {
    return ModelChatTokenizer.toLongs(ids);
  }

  private static long[] concat(long[] first, long[] second) {
    return LongStream.concat(Arrays.stream(first), Arrays.stream(second)).toArray();
  }

  @Test
  void theSameJsonlTrainsOnChatTokensOrOnThePlainTextsTokens() throws Exception {
    Path data = directory.resolve("standard.jsonl");
    Files.writeString(
        data,
        "{\"prompt\": \""
            + PROMPT
            + "\", \"chosen\": \""
            + CHOSEN
            + "\", \"rejected\": \""
            + REJECTED
            + "\"}\n");
    Path unaryData = directory.resolve("kto.jsonl");
    Files.writeString(
        unaryData,
        "{\"prompt\": \"" + PROMPT + "\", \"completion\": \"" + CHOSEN + "\", \"label\": true}\n");
    try (LanguageModel lm = LanguageModel.load(ShippedModel.directory())) {
      ChatTokenizer tokenizer = new ModelChatTokenizer(lm);
      Truncation none = new Truncation(TruncationConfig.none(), new TruncationStats());
      ImportResult chatData =
          LoraPreferenceTrainer.importData(List.of(data), null, PromptFormat.CHAT);
      ImportResult rawData =
          LoraPreferenceTrainer.importData(List.of(data), null, PromptFormat.RAW);
      TokenizedPair chat =
          LoraPreferenceTrainer.tokenizePairs(chatData.pairs(), tokenizer, none).get(0);
      TokenizedPair raw =
          LoraPreferenceTrainer.tokenizePairs(rawData.pairs(), tokenizer, none).get(0);
      long endOfTurn = lm.tokenizer().tokenId("<|im_end|>");
      assertThat(lm.endOfTurnTokenId()).isEqualTo(endOfTurn);

      // chat: the template's tokens, with the ChatML markers
      assertThat(longs(chat.prompt()))
          .containsExactly(lm.promptTokens(List.of(ChatMessages.user(PROMPT))));
      assertThat(longs(chat.prompt())).contains(lm.tokenizer().tokenId("<|im_start|>"));

      // raw: the tokenizer's encoding of the plain text, no template
      assertThat(longs(raw.prompt())).containsExactly(lm.tokenizer().encode(PROMPT, true));
      assertThat(longs(raw.prompt()))
          .doesNotContain(lm.tokenizer().tokenId("<|im_start|>"), endOfTurn);
      assertThat(raw.prompt()).isNotEqualTo(chat.prompt());

      // the answer follows the text directly and ends with the eos token, as TRL appends it
      for (String answer : List.of(CHOSEN, REJECTED)) {
        long[] ids = longs(answer.equals(CHOSEN) ? raw.chosen() : raw.rejected());
        assertThat(ids[ids.length - 1]).isEqualTo(endOfTurn);
        assertThat(concat(longs(raw.prompt()), Arrays.copyOf(ids, ids.length - 1)))
            .containsExactly(lm.tokenizer().encode(PROMPT + answer, true));
      }
      assertThat(chat.chosen()[chat.chosen().length - 1]).isEqualTo((int) endOfTurn);

      // unpaired KTO string prompts follow the same choice
      ImportResult rawUnary =
          LoraPreferenceTrainer.importData(List.of(unaryData), null, PromptFormat.RAW);
      TokenizedUnary unary =
          LoraPreferenceTrainer.tokenizeUnary(rawUnary.unary(), tokenizer, none).get(0);
      assertThat(unary.prompt()).isEqualTo(raw.prompt());
      assertThat(unary.completion()).isEqualTo(raw.chosen());
    }
  }
}
