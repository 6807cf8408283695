package dev.feedloop.model;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The architecture hyper-parameters of a Llama-family decoder, as read from a Hugging Face {@code
 * config.json}. Llama, Mistral and Qwen2 share one forward pass; they differ only in the fields
 * below (Qwen2: q/k/v biases; Llama 3: rope scaling; small models: tied embeddings).
 */
public record ModelConfig(
    String architecture,
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numLayers,
    int numHeads,
    int numKvHeads,
    int headDim,
    double rmsNormEps,
    double ropeTheta,
    RopeScaling ropeScaling,
    int maxPositionEmbeddings,
    boolean tieWordEmbeddings,
    boolean attentionBias,
    Integer bosTokenId,
    List<Integer> eosTokenIds) {

  public static final Set<String> SUPPORTED_ARCHITECTURES =
      Set.of("LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM");

  public ModelConfig {
    eosTokenIds = List.copyOf(eosTokenIds);
    if (numHeads % numKvHeads != 0) {
      throw new IllegalArgumentException(
          "num_attention_heads "
              + numHeads
              + " is not a multiple of num_key_value_heads "
              + numKvHeads);
    }
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException(
          "head_dim must be even for rotary embeddings, got " + headDim);
    }
  }

  /** How many query heads share one key/value head (grouped-query attention). */
  public int queriesPerKv() {
    return numHeads / numKvHeads;
  }

  /** Number of parameters of the base model (embeddings counted once when tied). */
  public long parameterCount() {
    long d = hiddenSize;
    long q = (long) numHeads * headDim;
    long kv = (long) numKvHeads * headDim;
    long attn = d * q + 2 * d * kv + q * d + (attentionBias ? q + 2 * kv : 0);
    long mlp = 3 * d * intermediateSize;
    long perLayer = attn + mlp + 2 * d;
    long embed = (long) vocabSize * d;
    return numLayers * perLayer + d + embed + (tieWordEmbeddings ? 0 : embed);
  }

  /** A plain Llama config, handy for tests and benchmarks (no download needed). */
  public static ModelConfig llama(
      int vocab, int hidden, int intermediate, int layers, int heads, int kvHeads) {
    return new ModelConfig(
        "LlamaForCausalLM",
        vocab,
        hidden,
        intermediate,
        layers,
        heads,
        kvHeads,
        hidden / heads,
        1e-5,
        10000.0,
        null,
        2048,
        false,
        false,
        null,
        List.of());
  }

  public ModelConfig withArchitecture(String arch, boolean bias) {
    return new ModelConfig(
        arch,
        vocabSize,
        hiddenSize,
        intermediateSize,
        numLayers,
        numHeads,
        numKvHeads,
        headDim,
        rmsNormEps,
        ropeTheta,
        ropeScaling,
        maxPositionEmbeddings,
        tieWordEmbeddings,
        bias,
        bosTokenId,
        eosTokenIds);
  }

  public ModelConfig withTiedEmbeddings(boolean tied) {
    return new ModelConfig(
        architecture,
        vocabSize,
        hiddenSize,
        intermediateSize,
        numLayers,
        numHeads,
        numKvHeads,
        headDim,
        rmsNormEps,
        ropeTheta,
        ropeScaling,
        maxPositionEmbeddings,
        tied,
        attentionBias,
        bosTokenId,
        eosTokenIds);
  }

  public ModelConfig withRopeScaling(RopeScaling scaling) {
    return new ModelConfig(
        architecture,
        vocabSize,
        hiddenSize,
        intermediateSize,
        numLayers,
        numHeads,
        numKvHeads,
        headDim,
        rmsNormEps,
        ropeTheta,
        scaling,
        maxPositionEmbeddings,
        tieWordEmbeddings,
        attentionBias,
        bosTokenId,
        eosTokenIds);
  }

  public ModelConfig withTokens(Integer bos, List<Integer> eos) {
    return new ModelConfig(
        architecture,
        vocabSize,
        hiddenSize,
        intermediateSize,
        numLayers,
        numHeads,
        numKvHeads,
        headDim,
        rmsNormEps,
        ropeTheta,
        ropeScaling,
        maxPositionEmbeddings,
        tieWordEmbeddings,
        attentionBias,
        bos,
        eos);
  }

  // ---------------------------------------------------------------------------------------------
  // config.json

  public static ModelConfig read(Path configJson) throws IOException {
    String text;
    try {
      text = Files.readString(configJson);
    } catch (NoSuchFileException e) {
      throw new ModelLoadException(
          configJson + ": file not found (every model directory needs a config.json)");
    }
    JsonObject json;
    try {
      json = JsonParser.parseString(text).getAsJsonObject();
    } catch (RuntimeException e) {
      throw new ModelLoadException(configJson + ": not a JSON object: " + e.getMessage());
    }
    return fromJson(json, configJson.toString());
  }

  static ModelConfig fromJson(JsonObject json, String source) {
    String arch = null;
    if (json.has("architectures")
        && json.get("architectures").isJsonArray()
        && json.getAsJsonArray("architectures").size() > 0) {
      arch = json.getAsJsonArray("architectures").get(0).getAsString();
    }
    if (arch == null || !SUPPORTED_ARCHITECTURES.contains(arch)) {
      String modelType = json.has("model_type") ? json.get("model_type").getAsString() : "?";
      throw new ModelLoadException(
          source
              + ": unsupported architecture "
              + arch
              + " (model_type "
              + modelType
              + "); supported: "
              + SUPPORTED_ARCHITECTURES);
    }
    int hidden = requiredInt(json, "hidden_size", source);
    int heads = requiredInt(json, "num_attention_heads", source);
    int kvHeads =
        json.has("num_key_value_heads") && !json.get("num_key_value_heads").isJsonNull()
            ? json.get("num_key_value_heads").getAsInt()
            : heads;
    int headDim =
        json.has("head_dim") && !json.get("head_dim").isJsonNull()
            ? json.get("head_dim").getAsInt()
            : hidden / heads;
    boolean qwen = arch.equals("Qwen2ForCausalLM");
    // Qwen2 always has q/k/v biases; Llama exposes the choice as attention_bias.
    boolean bias =
        qwen || (json.has("attention_bias") && json.get("attention_bias").getAsBoolean());
    boolean tied =
        json.has("tie_word_embeddings") && json.get("tie_word_embeddings").getAsBoolean();
    RopeScaling scaling =
        json.has("rope_scaling") && json.get("rope_scaling").isJsonObject()
            ? RopeScaling.fromJson(json.getAsJsonObject("rope_scaling"), source)
            : null;
    try {
      return new ModelConfig(
          arch,
          requiredInt(json, "vocab_size", source),
          hidden,
          requiredInt(json, "intermediate_size", source),
          requiredInt(json, "num_hidden_layers", source),
          heads,
          kvHeads,
          headDim,
          json.has("rms_norm_eps") ? json.get("rms_norm_eps").getAsDouble() : 1e-6,
          json.has("rope_theta") ? json.get("rope_theta").getAsDouble() : 10000.0,
          scaling,
          json.has("max_position_embeddings")
              ? json.get("max_position_embeddings").getAsInt()
              : 2048,
          tied,
          bias,
          json.has("bos_token_id") && !json.get("bos_token_id").isJsonNull()
              ? json.get("bos_token_id").getAsInt()
              : null,
          intOrList(json.get("eos_token_id")));
    } catch (IllegalArgumentException e) {
      throw new ModelLoadException(source + ": " + e.getMessage());
    }
  }

  /** {@code eos_token_id} is an int in most configs and a list in Llama 3 ones. */
  static List<Integer> intOrList(JsonElement e) {
    List<Integer> out = new ArrayList<>();
    if (e == null || e.isJsonNull()) {
      return out;
    }
    if (e.isJsonArray()) {
      for (JsonElement x : e.getAsJsonArray()) {
        out.add(x.getAsInt());
      }
    } else {
      out.add(e.getAsInt());
    }
    return out;
  }

  private static int requiredInt(JsonObject json, String key, String source) {
    if (!json.has(key) || json.get(key).isJsonNull()) {
      throw new ModelLoadException(source + ": missing required field \"" + key + "\"");
    }
    return json.get(key).getAsInt();
  }

  public JsonObject toJson() {
    JsonObject o = new JsonObject();
    JsonArray archs = new JsonArray();
    archs.add(architecture);
    o.add("architectures", archs);
    o.addProperty(
        "model_type",
        switch (architecture) {
          case "Qwen2ForCausalLM" -> "qwen2";
          case "MistralForCausalLM" -> "mistral";
          default -> "llama";
        });
    o.addProperty("vocab_size", vocabSize);
    o.addProperty("hidden_size", hiddenSize);
    o.addProperty("intermediate_size", intermediateSize);
    o.addProperty("num_hidden_layers", numLayers);
    o.addProperty("num_attention_heads", numHeads);
    o.addProperty("num_key_value_heads", numKvHeads);
    o.addProperty("head_dim", headDim);
    o.addProperty("rms_norm_eps", rmsNormEps);
    o.addProperty("rope_theta", ropeTheta);
    if (ropeScaling != null) {
      o.add("rope_scaling", ropeScaling.toJson());
    }
    o.addProperty("max_position_embeddings", maxPositionEmbeddings);
    o.addProperty("tie_word_embeddings", tieWordEmbeddings);
    if (!architecture.equals("Qwen2ForCausalLM")) {
      o.addProperty("attention_bias", attentionBias);
    }
    o.addProperty("hidden_act", "silu");
    if (bosTokenId != null) {
      o.addProperty("bos_token_id", bosTokenId);
    }
    if (eosTokenIds.size() == 1) {
      o.addProperty("eos_token_id", eosTokenIds.get(0));
    } else if (!eosTokenIds.isEmpty()) {
      JsonArray eos = new JsonArray();
      eosTokenIds.forEach(eos::add);
      o.add("eos_token_id", eos);
    }
    o.addProperty("torch_dtype", "float32");
    return o;
  }

  public void write(Path configJson) throws IOException {
    Gson gson = new GsonBuilder().setPrettyPrinting().create();
    Files.writeString(configJson, gson.toJson(toJson()));
  }
}
