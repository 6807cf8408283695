package dev.feedloop.trainer.tiny;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.feedloop.model.text.AddedTokens;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a trained byte-level BPE as a standard Hugging Face tokenizer.json (loadable by the
 * tokenizers library, and so by DJL's HuggingFaceTokenizer) plus tokenizer_config.json with the
 * ChatML chat template and special tokens. Special tokens get the ids after the learned vocabulary:
 * &lt;|endoftext|&gt;, &lt;|im_start|&gt;, &lt;|im_end|&gt;.
 */
public final class TinyTokenizerWriter {
  private static final Gson GSON =
      new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create();

  private TinyTokenizerWriter() {}

  /**
   * Trains on the rendered corpus texts and writes both files into {@code directory}; returns the
   * vocabulary size.
   */
  public static int trainAndWrite(
      List<String> renderedConversations, int vocabSize, Path directory) {
    List<String> withoutSpecials = new ArrayList<>();
    for (String text : renderedConversations) {
      for (String segment : text.split("<\\|im_start\\|>|<\\|im_end\\|>|<\\|endoftext\\|>")) {
        if (!segment.isEmpty()) {
          withoutSpecials.add(segment);
        }
      }
    }
    ByteLevelBpeTrainer.Vocabulary vocabulary =
        ByteLevelBpeTrainer.train(withoutSpecials, vocabSize - ChatMl.SPECIAL_TOKENS.size());
    write(vocabulary, directory);
    return vocabulary.tokens().size() + ChatMl.SPECIAL_TOKENS.size();
  }

  public static void write(ByteLevelBpeTrainer.Vocabulary vocabulary, Path directory) {
    try {
      Files.createDirectories(directory);
      Files.writeString(
          directory.resolve("tokenizer.json"),
          GSON.toJson(tokenizerJson(vocabulary)),
          StandardCharsets.UTF_8);
      Files.writeString(
          directory.resolve("tokenizer_config.json"),
          GSON.toJson(tokenizerConfig(vocabulary.tokens().size())),
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the tokenizer to " + directory, e);
    }
  }

  static JsonObject tokenizerJson(ByteLevelBpeTrainer.Vocabulary vocabulary) {
    AddedTokens specials = specialTokens(vocabulary.tokens().size());
    JsonObject root = new JsonObject();
    root.addProperty("version", "1.0");
    root.add("truncation", JsonNull.INSTANCE);
    root.add("padding", JsonNull.INSTANCE);
    root.add("added_tokens", specials.tokenizerJson());
    root.add("normalizer", JsonNull.INSTANCE);
    root.add("pre_tokenizer", byteLevel(false, true));
    root.add("post_processor", byteLevel(false, false));
    root.add("decoder", byteLevel(true, true));

    JsonObject model = new JsonObject();
    model.addProperty("type", "BPE");
    model.add("dropout", JsonNull.INSTANCE);
    model.add("unk_token", JsonNull.INSTANCE);
    model.addProperty("continuing_subword_prefix", "");
    model.addProperty("end_of_word_suffix", "");
    model.addProperty("fuse_unk", false);
    model.addProperty("byte_fallback", false);
    model.addProperty("ignore_merges", false);
    JsonObject vocab = new JsonObject();
    for (Map.Entry<String, Integer> entry :
        ByteLevelBpeTrainer.ids(vocabulary.tokens()).entrySet()) {
      vocab.addProperty(entry.getKey(), entry.getValue());
    }
    for (String special : specials.contents()) {
      vocab.addProperty(special, specials.id(special));
    }
    model.add("vocab", vocab);
    JsonArray merges = new JsonArray();
    for (String[] merge : vocabulary.merges()) {
      merges.add(merge[0] + " " + merge[1]);
    }
    model.add("merges", merges);
    root.add("model", model);
    return root;
  }

  /** The ChatML special tokens, with ids from {@code firstId} (right after the learned tokens). */
  static AddedTokens specialTokens(int firstId) {
    return AddedTokens.special(firstId, ChatMl.SPECIAL_TOKENS);
  }

  private static JsonObject byteLevel(boolean addPrefixSpace, boolean trimOffsets) {
    JsonObject byteLevel = new JsonObject();
    byteLevel.addProperty("type", "ByteLevel");
    byteLevel.addProperty("add_prefix_space", addPrefixSpace);
    byteLevel.addProperty("trim_offsets", trimOffsets);
    byteLevel.addProperty("use_regex", true);
    return byteLevel;
  }

  /**
   * The class transformers builds the tokenizer with. PreTrainedTokenizerFast takes tokenizer.json
   * as written (GPT-2 byte-level pre-tokenization); a model-specific class such as Qwen2Tokenizer
   * is rebuilt by transformers 5 with that model's own pre-tokenizer (Qwen2 splits digits), so "And
   * 3+3?" would tokenize differently there than here.
   */
  static final String TOKENIZER_CLASS = "PreTrainedTokenizerFast";

  /**
   * Hugging Face tokenizer_config.json: the tokenizer class, the ChatML template, eos/pad and the
   * special tokens at ids {@code firstSpecialId}.. (what AutoTokenizer and chat templating read).
   */
  static JsonObject tokenizerConfig(int firstSpecialId) {
    JsonObject config = new JsonObject();
    config.addProperty("tokenizer_class", TOKENIZER_CLASS);
    config.addProperty("chat_template", ChatMl.TEMPLATE);
    config.add("bos_token", JsonNull.INSTANCE);
    config.addProperty("eos_token", ChatMl.IM_END);
    config.addProperty("pad_token", ChatMl.END_OF_TEXT);
    config.add("unk_token", JsonNull.INSTANCE);
    config.addProperty("model_max_length", 512);
    config.addProperty("clean_up_tokenization_spaces", false);
    config.addProperty("add_prefix_space", false);
    config.addProperty("errors", "replace");
    config.addProperty("split_special_tokens", false);
    config.add("added_tokens_decoder", specialTokens(firstSpecialId).tokenizerConfigDecoder());
    JsonArray additional = new JsonArray();
    additional.add(ChatMl.IM_START);
    additional.add(ChatMl.IM_END);
    config.add("additional_special_tokens", additional);
    return config;
  }
}
