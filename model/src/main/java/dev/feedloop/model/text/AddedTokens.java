package dev.feedloop.model.text;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.List;

/**
 * The special tokens a Hugging Face tokenizer adds to its model's vocabulary, with consecutive ids
 * from {@code firstId}: whole tokens only (never normalized, no whitespace stripping), skipped by
 * {@code decode(ids, skipSpecialTokens=true)}. The one builder of both places the files name them:
 * the {@code added_tokens} array of tokenizer.json and the {@code added_tokens_decoder} object of
 * tokenizer_config.json, field for field as the tokenizers library and transformers write them.
 *
 * @param firstId the id of the first token; the others follow in order
 * @param contents the tokens' texts, e.g. {@code <|im_start|>}
 */
public record AddedTokens(int firstId, List<String> contents) {
  public AddedTokens {
    contents = List.copyOf(contents);
    if (firstId < 0) {
      throw new IllegalArgumentException("token ids start at 0, got " + firstId);
    }
    if (contents.stream().distinct().count() != contents.size()) {
      throw new IllegalArgumentException("added tokens must differ: " + contents);
    }
  }

  /** The special tokens {@code contents} with ids {@code firstId}, {@code firstId + 1}, ... */
  public static AddedTokens special(int firstId, List<String> contents) {
    return new AddedTokens(firstId, contents);
  }

  /** The id of {@code content}. */
  public int id(String content) {
    int index = contents.indexOf(content);
    if (index < 0) {
      throw new IllegalArgumentException(content + " is not one of " + contents);
    }
    return firstId + index;
  }

  /** The {@code added_tokens} array of tokenizer.json. */
  public JsonArray tokenizerJson() {
    JsonArray added = new JsonArray();
    for (int i = 0; i < contents.size(); i++) {
      JsonObject token = new JsonObject();
      token.addProperty("id", firstId + i);
      token.addProperty("content", contents.get(i));
      token.addProperty("single_word", false);
      token.addProperty("lstrip", false);
      token.addProperty("rstrip", false);
      token.addProperty("normalized", false);
      token.addProperty("special", true);
      added.add(token);
    }
    return added;
  }

  /** The {@code added_tokens_decoder} object of tokenizer_config.json: id (as text) to token. */
  public JsonObject tokenizerConfigDecoder() {
    JsonObject decoder = new JsonObject();
    for (int i = 0; i < contents.size(); i++) {
      JsonObject token = new JsonObject();
      token.addProperty("content", contents.get(i));
      token.addProperty("lstrip", false);
      token.addProperty("normalized", false);
      token.addProperty("rstrip", false);
      token.addProperty("single_word", false);
      token.addProperty("special", true);
      decoder.add(String.valueOf(firstId + i), token);
    }
    return decoder;
  }
}
