package dev.feedloop.model.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AddedTokensTest {
  private static final List<String> WORDS = List.of("<unk>", "user", "hello", "world");
  private static final AddedTokens CHAT =
      AddedTokens.special(WORDS.size(), List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>"));

  @TempDir Path directory;

  /** A word-level tokenizer.json whose vocabulary ends where the added tokens begin. */
  private Path writeTokenizer(AddedTokens added, boolean addedInVocabulary) throws IOException {
    JsonObject vocab = new JsonObject();
    for (int i = 0; i < WORDS.size(); i++) {
      vocab.addProperty(WORDS.get(i), i);
    }
    if (addedInVocabulary) {
      added.contents().forEach(token -> vocab.addProperty(token, added.id(token)));
    }
    JsonObject model = new JsonObject();
    model.addProperty("type", "WordLevel");
    model.add("vocab", vocab);
    model.addProperty("unk_token", "<unk>");
    JsonObject preTokenizer = new JsonObject();
    preTokenizer.addProperty("type", "WhitespaceSplit");
    JsonObject root = new JsonObject();
    root.addProperty("version", "1.0");
    root.add("truncation", JsonNull.INSTANCE);
    root.add("padding", JsonNull.INSTANCE);
    root.add("added_tokens", added.tokenizerJson());
    root.add("normalizer", JsonNull.INSTANCE);
    root.add("pre_tokenizer", preTokenizer);
    root.add("post_processor", JsonNull.INSTANCE);
    root.add("decoder", JsonNull.INSTANCE);
    root.add("model", model);
    Path file = directory.resolve(addedInVocabulary ? "in-vocab.json" : "tokenizer.json");
    Files.writeString(file, root.toString());
    return file;
  }

  @Test
  void writtenTokenizerLoadsAndAddedTokensGetTheirIds() throws IOException {
    for (boolean inVocabulary : new boolean[] {true, false}) {
      try (TextTokenizer tokenizer = TextTokenizer.load(writeTokenizer(CHAT, inVocabulary))) {
        assertThat(tokenizer.tokenId("<|endoftext|>")).isEqualTo(4L);
        assertThat(tokenizer.tokenId("<|im_start|>")).isEqualTo(5L);
        assertThat(tokenizer.tokenId("<|im_end|>")).isEqualTo(6L);
        // added tokens split text even without surrounding whitespace
        long[] ids = tokenizer.encode("<|im_start|>user hello<|im_end|>world");
        assertThat(ids).containsExactly(5, 1, 2, 6, 3);
        assertThat(tokenizer.decode(ids, true)).isEqualTo("user hello world");
        assertThat(tokenizer.decode(ids, false)).contains("<|im_start|>", "<|im_end|>");
      }
    }
  }

  @Test
  void tokensAtTheStartOfTheVocabularyKeepTheirIds() throws IOException {
    AddedTokens first = AddedTokens.special(0, List.of("<unk>"));
    try (TextTokenizer tokenizer = TextTokenizer.load(writeTokenizer(first, true))) {
      assertThat(tokenizer.tokenId("<unk>")).isEqualTo(0L);
      assertThat(tokenizer.encode("hello <unk> world")).containsExactly(2, 0, 3);
    }
  }

  @Test
  void bothFilesNameTheSameTokensWithTheSameIds() {
    var array = CHAT.tokenizerJson();
    JsonObject decoder = CHAT.tokenizerConfigDecoder();
    assertThat(array.size()).isEqualTo(3).isEqualTo(decoder.size());
    for (int i = 0; i < array.size(); i++) {
      JsonObject token = array.get(i).getAsJsonObject();
      String id = token.get("id").getAsString();
      JsonObject named = decoder.getAsJsonObject(id);
      assertThat(named.get("content")).isEqualTo(token.get("content"));
      assertThat(CHAT.id(token.get("content").getAsString())).isEqualTo(4 + i);
      for (String flag : List.of("lstrip", "rstrip", "normalized", "single_word", "special")) {
        assertThat(named.get(flag)).as(flag).isEqualTo(token.get(flag));
      }
      assertThat(token.get("special").getAsBoolean()).isTrue();
    }
  }

  @Test
  void rejectsDuplicatesAndUnknownTokens() {
    assertThatThrownBy(() -> AddedTokens.special(0, List.of("<a>", "<a>")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CHAT.id("<b>")).isInstanceOf(IllegalArgumentException.class);
  }
}
