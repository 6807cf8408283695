package dev.feedloop.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.feedloop.model.io.SafeTensors;
import dev.feedloop.model.text.AddedTokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Tiny random models and the files of a model directory, written by the tests themselves. */
final class TinyModels {

  /**
   * A word-level vocabulary: chat markers, roles and a few words. Ids are positions in this list.
   */
  static final List<String> WORDS =
      List.of(
          "<unk>",
          "<|im_start|>",
          "<|im_end|>",
          "system",
          "user",
          "assistant",
          "hello",
          "hi",
          "how",
          "are",
          "you",
          "I",
          "am",
          "fine",
          "thanks",
          "Athene",
          "please",
          "bye",
          "yes",
          "no",
          "the",
          "a",
          "is",
          "it",
          "good",
          "bad",
          "ok",
          "what",
          "name",
          "my",
          "your",
          "STOP");

  static final String CHATML_TEMPLATE =
      "{% for message in messages %}{{'<|im_start|>' + message['role'] + ' '"
          + " + message['content'] + ' <|im_end|> '}}{% endfor %}{% if add_generation_prompt %}"
          + "{{ '<|im_start|> assistant ' }}{% endif %}";

  private TinyModels() {}

  /** Llama with GQA (4 query heads over 2 key/value heads), vocabulary matching {@link #WORDS}. */
  static ModelConfig llama() {
    return ModelConfig.llama(WORDS.size(), 16, 32, 2, 4, 2).withTokens(null, List.of(2));
  }

  static ModelConfig qwen2Tied() {
    return llama().withArchitecture("Qwen2ForCausalLM", true).withTiedEmbeddings(true);
  }

  static ModelConfig llama3Scaled() {
    return llama().withRopeScaling(RopeScaling.llama3(8.0, 1.0, 4.0, 16));
  }

  /** Qwen3: per-head q/k RMSNorm, no biases, head_dim 8 while hidden / heads is 4. */
  static ModelConfig qwen3() {
    return llama().withArchitecture(ModelConfig.QWEN3, false).toBuilder().headDim(8).build();
  }

  /** The sliding window of the windowed tiny models: shorter than every test sequence. */
  static final int WINDOW = 3;

  /** Mistral with a global sliding window of {@link #WINDOW} positions. */
  static ModelConfig mistralWindowed() {
    return llama()
        .withArchitecture(ModelConfig.MISTRAL, false)
        .withSlidingWindow(WINDOW, layers(SLIDING, SLIDING));
  }

  /** Qwen2 as with use_sliding_window and max_window_layers 1: the second layer slides. */
  static ModelConfig qwen2Windowed() {
    return qwen2Tied().withSlidingWindow(WINDOW, layers(FULL, SLIDING));
  }

  /** Qwen3 whose first layer slides: a pattern only layer_types can express. */
  static ModelConfig qwen3Windowed() {
    return qwen3().withSlidingWindow(WINDOW, layers(SLIDING, FULL));
  }

  static final ModelConfig.LayerType FULL = ModelConfig.LayerType.FULL_ATTENTION;
  static final ModelConfig.LayerType SLIDING = ModelConfig.LayerType.SLIDING_ATTENTION;

  static List<ModelConfig.LayerType> layers(ModelConfig.LayerType... types) {
    return List.of(types);
  }

  static CausalLM random(ModelConfig c, long seed) {
    return CausalLM.random(c, Device.cpu(), DataType.FLOAT32, seed);
  }

  /**
   * Writes config.json, weights (one file or shards), tokenizer files and generation_config.json.
   */
  static void writeDirectory(Path dir, CausalLM model, String dtype, int shards)
      throws IOException {
    Files.createDirectories(dir);
    ModelConfig c = model.config();
    c.write(dir.resolve("config.json"));
    Map<String, NDArray> named = model.weights().named(c);
    if (shards <= 1) {
      SafeTensors.write(dir.resolve("model.safetensors"), named, Map.of("format", "pt"), dtype);
    } else {
      List<String> names = List.copyOf(new TreeMap<>(named).keySet());
      JsonObject weightMap = new JsonObject();
      for (int s = 0; s < shards; s++) {
        String file = String.format("model-%05d-of-%05d.safetensors", s + 1, shards);
        Map<String, NDArray> part = new LinkedHashMap<>();
        for (int i = s; i < names.size(); i += shards) {
          part.put(names.get(i), named.get(names.get(i)));
          weightMap.addProperty(names.get(i), file);
        }
        SafeTensors.write(dir.resolve(file), part, Map.of("format", "pt"), dtype);
      }
      JsonObject index = new JsonObject();
      index.add("metadata", new JsonObject());
      index.add("weight_map", weightMap);
      Files.writeString(dir.resolve("model.safetensors.index.json"), index.toString());
    }
    writeTokenizer(dir);
    JsonObject gen = new JsonObject();
    JsonArray eos = new JsonArray();
    eos.add(2);
    gen.add("eos_token_id", eos);
    Files.writeString(dir.resolve("generation_config.json"), gen.toString());
  }

  static void writeTokenizer(Path dir) throws IOException {
    // <unk>, <|im_start|>, <|im_end|>: the first three words
    writeWordLevelTokenizer(
        dir.resolve("tokenizer.json"), WORDS, AddedTokens.special(0, WORDS.subList(0, 3)));
    JsonObject cfg = new JsonObject();
    cfg.addProperty("eos_token", "<|im_end|>");
    cfg.addProperty("chat_template", CHATML_TEMPLATE);
    Files.writeString(dir.resolve("tokenizer_config.json"), cfg.toString());
  }

  /**
   * A word-level tokenizer.json (whitespace split, {@code <unk>} for unknown words): word ids are
   * positions in {@code vocabulary}; {@code added} may name words of it or ids after it.
   */
  static void writeWordLevelTokenizer(Path file, List<String> vocabulary, AddedTokens added)
      throws IOException {
    JsonObject vocab = new JsonObject();
    for (int i = 0; i < vocabulary.size(); i++) {
      vocab.addProperty(vocabulary.get(i), i);
    }
    JsonObject model = new JsonObject();
    model.addProperty("type", "WordLevel");
    model.add("vocab", vocab);
    model.addProperty("unk_token", "<unk>");
    JsonObject pre = new JsonObject();
    pre.addProperty("type", "WhitespaceSplit");
    JsonObject tok = new JsonObject();
    tok.addProperty("version", "1.0");
    tok.add("truncation", null);
    tok.add("padding", null);
    tok.add("added_tokens", added.tokenizerJson());
    tok.add("normalizer", null);
    tok.add("pre_tokenizer", pre);
    tok.add("post_processor", null);
    tok.add("decoder", null);
    tok.add("model", model);
    Files.writeString(file, tok.toString());
  }

  /**
   * The repository's shipped chat model, models/tiny-chat (a real byte-level BPE tokenizer and a
   * trained network), found above the module's working directory.
   */
  static Path shippedChatModel() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("models").resolve("tiny-chat");
      if (Files.exists(candidate.resolve("config.json"))) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "models/tiny-chat not found above " + Path.of("").toAbsolutePath());
  }

  static float[] floats(NDArray a) {
    return a.toType(DataType.FLOAT32, false).toFloatArray();
  }
}
