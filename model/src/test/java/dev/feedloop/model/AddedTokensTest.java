package dev.feedloop.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import dev.feedloop.model.text.AddedTokens;
import dev.feedloop.model.text.TextTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AddedTokensTest {
  private static final List<String> WORDS = List.of("<unk>", "user", "hello", "world");
  private static final AddedTokens CHAT =
      AddedTokens.special(WORDS.size(), List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>"));

  @TempDir Path directory;

  /**
   * A word-level tokenizer.json over {@link #WORDS}; with {@code appendToVocabulary} the added
   * tokens are model words too (as Qwen2 writes them), else only added tokens.
   */
  private Path writeTokenizer(AddedTokens added, boolean appendToVocabulary) throws IOException {
    List<String> vocabulary = new ArrayList<>(WORDS);
    if (appendToVocabulary) {
      vocabulary.addAll(added.contents());
    }
    Path file = directory.resolve(appendToVocabulary ? "in-vocab.json" : "tokenizer.json");
    TinyModels.writeWordLevelTokenizer(file, vocabulary, added);
    return file;
  }

  @Test
  void writtenTokenizerLoadsAndAddedTokensGetTheirIds() throws IOException {
    for (boolean appendToVocabulary : new boolean[] {true, false}) {
      try (TextTokenizer tokenizer = TextTokenizer.load(writeTokenizer(CHAT, appendToVocabulary))) {
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
    // as TinyModels writes them: the added tokens are the first words of the vocabulary
    AddedTokens first = AddedTokens.special(0, List.of("<unk>"));
    try (TextTokenizer tokenizer = TextTokenizer.load(writeTokenizer(first, false))) {
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
