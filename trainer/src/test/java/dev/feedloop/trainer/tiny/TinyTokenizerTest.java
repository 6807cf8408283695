package dev.feedloop.trainer.tiny;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.feedloop.model.text.AddedTokens;
import dev.feedloop.model.text.TextTokenizer;
import dev.feedloop.schemas.ChatMessages;
import dev.feedloop.synthetic.ChatExample;
import dev.feedloop.synthetic.SyntheticChatCorpus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TinyTokenizerTest {
  @TempDir Path directory;

  @Test
  void trainedTokenizerLoadsInDjlAndRoundTripsTheCorpusExactly() throws IOException {
    TinyDataWriter.Written written =
        TinyDataWriter.write(directory, SyntheticChatCorpus.DEFAULT_SEED, 3000, 4096);
    assertThat(written.vocabularySize()).isBetween(800, 4096);
    List<ChatExample> corpus =
        new SyntheticChatCorpus().generate(SyntheticChatCorpus.DEFAULT_SEED, 3000);
    assertThat(Files.readAllLines(written.corpus())).hasSize(3000);

    try (HuggingFaceTokenizer tokenizer =
        HuggingFaceTokenizer.newInstance(directory.resolve("tokenizer.json"))) {
      long tokens = 0;
      long bytes = 0;
      for (ChatExample example : corpus) {
        String text = ChatMl.render(example.messages(), false);
        Encoding encoding = tokenizer.encode(text);
        assertThat(tokenizer.decode(encoding.getIds(), false)).isEqualTo(text);
        tokens += encoding.getIds().length;
        bytes += text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      }
      // the vocabulary is fitted to the corpus: several bytes per token on average
      assertThat((double) bytes / tokens).isGreaterThan(3.0);

      // special tokens are single ids after the learned vocabulary
      int vocabulary = written.vocabularySize();
      assertThat(tokenizer.encode("<|im_start|>user\nHi<|im_end|>").getIds())
          .startsWith(vocabulary - 2L)
          .endsWith(vocabulary - 1L);
      assertThat(tokenizer.encode("<|endoftext|>").getIds()).containsExactly(vocabulary - 3L);

      // byte-level: text the corpus never saw still round-trips
      for (String unseen :
          List.of("Zoë's café costs 12.50€ 😀\ttabs\n\n  spaces ", "{\"json\": [1, 2]}", "")) {
        assertThat(tokenizer.decode(tokenizer.encode(unseen).getIds(), false)).isEqualTo(unseen);
      }
    }

    // the model's own tokenizer sees the special tokens at the ids the writer gave them
    try (TextTokenizer tokenizer = TextTokenizer.load(directory.resolve("tokenizer.json"))) {
      AddedTokens specials = TinyTokenizerWriter.specialTokens(written.vocabularySize() - 3);
      for (String special : ChatMl.SPECIAL_TOKENS) {
        assertThat(tokenizer.tokenId(special)).as(special).isEqualTo((long) specials.id(special));
      }
    }

    JsonObject config =
        JsonParser.parseString(Files.readString(directory.resolve("tokenizer_config.json")))
            .getAsJsonObject();
    assertThat(config.get("chat_template").getAsString()).isEqualTo(ChatMl.TEMPLATE);
    assertThat(config.get("eos_token").getAsString()).isEqualTo("<|im_end|>");
    assertThat(
            config
                .getAsJsonObject("added_tokens_decoder")
                .getAsJsonObject(String.valueOf(written.vocabularySize() - 1))
                .get("content")
                .getAsString())
        .isEqualTo("<|im_end|>");
  }

  @Test
  void theShippedTokenizerIsReproducedByteForByteFromTheShippedRecipesCorpus() throws IOException {
    TinyModelTrainer.Recipe shipped = TinyModelTrainer.Recipe.shipped();
    TinyDataWriter.write(
        directory, shipped.corpusSeed(), shipped.conversations(), shipped.vocabSize());
    for (String file : List.of("tokenizer.json", "tokenizer_config.json")) {
      assertThat(Files.readAllBytes(directory.resolve(file)))
          .as(file)
          .isEqualTo(Files.readAllBytes(ShippedModel.directory().resolve(file)));
    }
  }

  @Test
  void promptAndCompletionTokenizeAsTheirConcatenation() throws IOException {
    TinyDataWriter.write(directory, 5, 1000, 2048);
    try (HuggingFaceTokenizer tokenizer =
        HuggingFaceTokenizer.newInstance(directory.resolve("tokenizer.json"))) {
      for (ChatExample example : new SyntheticChatCorpus().generate(6, 200)) {
        String prompt = ChatMl.render(example.prompt(), true);
        String completion = example.answer() + ChatMl.IM_END + "\n";
        long[] joint = tokenizer.encode(prompt + completion).getIds();
        long[] promptIds = tokenizer.encode(prompt).getIds();
        long[] completionIds = tokenizer.encode(completion).getIds();
        long[] concatenated =
            java.util.stream.LongStream.concat(
                    java.util.Arrays.stream(promptIds), java.util.Arrays.stream(completionIds))
                .toArray();
        assertThat(concatenated).as(prompt + completion).isEqualTo(joint);
      }
    }
  }

  @Test
  void chatMlRendersLikeTheJinjaTemplate() {
    String rendered =
        ChatMl.render(List.of(ChatMessages.system("Be brief."), ChatMessages.user("Hi")), true);
    assertThat(rendered)
        .isEqualTo(
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  }

  /**
   * What transformers' AutoTokenizer reads from tokenizer_config.json: a class that takes
   * tokenizer.json as it is, the special tokens where tokenizer.json has them, the chat template
   * and a length limit the model can serve.
   */
  @Test
  void theWriterWritesTransformersCompatibleMetadata() throws IOException {
    TinyDataWriter.Written written = TinyDataWriter.write(directory, 5, 300, 600);
    JsonObject config =
        JsonParser.parseString(Files.readString(directory.resolve("tokenizer_config.json")))
            .getAsJsonObject();
    JsonObject tokenizerJson =
        JsonParser.parseString(Files.readString(directory.resolve("tokenizer.json")))
            .getAsJsonObject();

    // the generic fast tokenizer: a model-specific class (Qwen2Tokenizer) would be rebuilt by
    // transformers 5 with that model's pre-tokenizer instead of this GPT-2 byte-level one
    assertThat(config.get("tokenizer_class").getAsString()).isEqualTo("PreTrainedTokenizerFast");
    assertThat(tokenizerJson.getAsJsonObject("pre_tokenizer").get("type").getAsString())
        .isEqualTo("ByteLevel");
    assertThat(config.get("add_prefix_space").getAsBoolean())
        .isEqualTo(
            tokenizerJson.getAsJsonObject("pre_tokenizer").get("add_prefix_space").getAsBoolean());

    assertThat(config.get("chat_template").getAsString()).isEqualTo(ChatMl.TEMPLATE);
    assertThat(config.get("eos_token").getAsString()).isEqualTo(ChatMl.IM_END);
    assertThat(config.get("pad_token").getAsString()).isEqualTo(ChatMl.END_OF_TEXT);
    assertThat(config.get("bos_token").isJsonNull()).isTrue();
    assertThat(config.get("unk_token").isJsonNull()).isTrue();
    assertThat(config.get("model_max_length").getAsInt()).isEqualTo(512);
    assertThat(config.get("split_special_tokens").getAsBoolean()).isFalse();
    assertThat(config.getAsJsonArray("additional_special_tokens"))
        .extracting(JsonElement::getAsString)
        .containsExactly(ChatMl.IM_START, ChatMl.IM_END);

    // every special token is declared alike in both files, at the id tokenizer.json gives it
    JsonObject decoder = config.getAsJsonObject("added_tokens_decoder");
    assertThat(decoder.size()).isEqualTo(ChatMl.SPECIAL_TOKENS.size());
    for (JsonElement element : tokenizerJson.getAsJsonArray("added_tokens")) {
      JsonObject added = element.getAsJsonObject().deepCopy();
      String id = added.remove("id").getAsString();
      assertThat(decoder.getAsJsonObject(id)).as(id).isEqualTo(added);
      assertThat(added.get("special").getAsBoolean()).isTrue();
      assertThat(
              tokenizerJson
                  .getAsJsonObject("model")
                  .getAsJsonObject("vocab")
                  .get(added.get("content").getAsString())
                  .getAsString())
          .isEqualTo(id);
    }
    assertThat(
            decoder
                .getAsJsonObject(String.valueOf(written.vocabularySize() - 1))
                .get("content")
                .getAsString())
        .isEqualTo(ChatMl.IM_END);

    // the shipped model declares the same class, and its length limit fits its positions
    JsonObject shipped =
        JsonParser.parseString(
                Files.readString(ShippedModel.directory().resolve("tokenizer_config.json")))
            .getAsJsonObject();
    JsonObject shippedModel =
        JsonParser.parseString(Files.readString(ShippedModel.directory().resolve("config.json")))
            .getAsJsonObject();
    assertThat(shipped.get("tokenizer_class").getAsString()).isEqualTo("PreTrainedTokenizerFast");
    assertThat(shipped.get("model_max_length").getAsInt())
        .isLessThanOrEqualTo(shippedModel.get("max_position_embeddings").getAsInt());
  }
}
