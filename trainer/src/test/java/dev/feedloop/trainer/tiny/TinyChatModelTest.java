package dev.feedloop.trainer.tiny;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.feedloop.model.Completion;
import dev.feedloop.model.LanguageModel;
import dev.feedloop.model.SamplingParams;
import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.ChatMessages;
import dev.feedloop.synthetic.AnswerGrammar;
import dev.feedloop.synthetic.HiddenPreference;
import dev.feedloop.synthetic.StyleShares;
import dev.feedloop.synthetic.SyntheticChatCorpus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shipped tiny chat model: a standard HF directory, reproducible greedy answers, corpus-like
 * style shares.
 */
class TinyChatModelTest {
  private static final List<List<ChatMessage>> FIXED_PROMPTS =
      List.of(
          List.of(ChatMessages.user("Who are you?")),
          List.of(ChatMessages.user("What is the capital of Quendor?")),
          List.of(ChatMessages.user("Hello")));

  @Test
  void isAFewMegabyteLlamaDirectoryWithAChatTemplate() throws IOException {
    Path dir = ShippedModel.directory();
    JsonObject config =
        JsonParser.parseString(Files.readString(dir.resolve("config.json"))).getAsJsonObject();
    assertThat(config.get("architectures").getAsJsonArray().get(0).getAsString())
        .isEqualTo("LlamaForCausalLM");
    assertThat(Files.size(dir.resolve("model.safetensors"))).isLessThan(5_000_000);
    assertThat(dir.resolve("tokenizer.json")).exists();
    assertThat(dir.resolve("generation_config.json")).exists();
    assertThat(Files.readString(dir.resolve("tokenizer_config.json"))).contains("chat_template");
  }

  @Test
  void greedyDecodingIsReproducibleAcrossLoadsAndWellFormed() throws IOException {
    List<List<Completion>> first;
    List<List<Completion>> second;
    try (LanguageModel lm = LanguageModel.load(ShippedModel.directory())) {
      first = lm.chat(FIXED_PROMPTS, SamplingParams.greedy(96), null);
    }
    try (LanguageModel lm = LanguageModel.load(ShippedModel.directory())) {
      second = lm.chat(FIXED_PROMPTS, SamplingParams.greedy(96), null);
    }
    AnswerGrammar grammar = AnswerGrammar.ofCorpus();
    for (int i = 0; i < FIXED_PROMPTS.size(); i++) {
      Completion answer = first.get(i).get(0);
      assertThat(second.get(i).get(0).tokens()).isEqualTo(answer.tokens());
      assertThat(answer.finishReason()).isEqualTo("stop");
      assertThat(grammar.wellFormed(FIXED_PROMPTS.get(i).get(0).getContent(), answer.text()))
          .as(answer.text())
          .isTrue();
    }
  }

  @Test
  void sampledAnswersAreWellFormedWithStyleSharesNearTheCorpusRates() throws IOException {
    try (LanguageModel lm = LanguageModel.load(ShippedModel.directory())) {
      List<List<ChatMessage>> prompts = new SyntheticChatCorpus().evaluationPrompts(3, 96);
      StyleShares shares =
          StyleSurvey.survey(
              lm,
              null,
              prompts,
              SamplingParams.sample(96, 1.0, 1.0, 3).withN(2),
              HiddenPreference.demo());
      assertThat(shares.answers()).isEqualTo(192);
      assertThat(shares.wellFormed()).as(shares.toString()).isGreaterThanOrEqualTo(0.8);
      // corpus rates: Athene 25%, another name 35%, polite 40%, brief 40%; 192 answers give about
      // +-7% (2 sigma)
      assertThat(shares.athene()).as(shares.toString()).isBetween(0.12, 0.40);
      assertThat(shares.otherName()).as(shares.toString()).isBetween(0.20, 0.50);
      assertThat(shares.polite()).as(shares.toString()).isBetween(0.25, 0.55);
      assertThat(shares.brief()).as(shares.toString()).isBetween(0.25, 0.55);
    }
  }
}
