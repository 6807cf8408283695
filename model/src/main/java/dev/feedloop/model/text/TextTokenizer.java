package dev.feedloop.model.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.feedloop.model.ModelLoadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** tokenizer.json through DJL's binding of the Hugging Face tokenizers library. */
public final class TextTokenizer implements AutoCloseable {

  private final HuggingFaceTokenizer tokenizer;

  private TextTokenizer(HuggingFaceTokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  public static TextTokenizer load(Path tokenizerJson) throws IOException {
    if (!Files.exists(tokenizerJson)) {
      throw new ModelLoadException(
          tokenizerJson
              + ": file not found (a model directory needs tokenizer.json;"
              + " sentencepiece tokenizer.model files are not supported)");
    }
    try {
      // no truncation, no padding: the model code decides lengths
      return new TextTokenizer(
          HuggingFaceTokenizer.newInstance(
              tokenizerJson,
              Map.of(
                  "truncation",
                  "false",
                  "padding",
                  "false",
                  "addSpecialTokens",
                  "false",
                  "maxLength",
                  "1000000")));
    } catch (RuntimeException e) {
      throw new ModelLoadException(tokenizerJson + ": cannot be loaded: " + e.getMessage(), e);
    }
  }

  /**
   * Token ids of text. Rendered chat templates already contain their special tokens, so, like
   * transformers' apply_chat_template, this adds none unless asked.
   */
  public long[] encode(String text, boolean addSpecialTokens) {
    return tokenizer.encode(text, addSpecialTokens, false).getIds();
  }

  public long[] encode(String text) {
    return encode(text, false);
  }

  public String decode(long[] ids, boolean skipSpecialTokens) {
    return tokenizer.decode(ids, skipSpecialTokens);
  }

  public String decode(long[] ids) {
    return decode(ids, true);
  }

  /** The id of a token that encodes to exactly one id (e.g. a special token), else null. */
  public Long tokenId(String token) {
    if (token == null) {
      return null;
    }
    long[] ids = encode(token, false);
    return ids.length == 1 ? ids[0] : null;
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
