package dev.feedloop.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.List;

/**
 * Rotary-embedding frequency scaling from {@code config.json}: {@code rope_scaling} (transformers
 * 4.x) or {@code rope_parameters} (transformers 5.x).
 *
 * <p>{@code linear} divides every frequency by {@code factor} (position interpolation). {@code
 * llama3} leaves high frequencies alone, divides low frequencies by {@code factor} and blends
 * smoothly in between, so short-range attention keeps its resolution while long contexts fit. Other
 * types ({@code dynamic}, {@code yarn}, {@code longrope}, ...) are refused at load: dynamic NTK
 * rescales with the running sequence length and yarn's formula and attention factor changed across
 * transformers releases, so neither can be matched by one fixed table of frequencies.
 */
public record RopeScaling(
    String type,
    double factor,
    double lowFreqFactor,
    double highFreqFactor,
    int originalMaxPositionEmbeddings) {

  /** The rope types computed here; "default" means no scaling. */
  public static final List<String> SUPPORTED_TYPES = List.of("default", "linear", "llama3");

  /** transformers' default rope_theta when a config names none (every supported family). */
  static final double DEFAULT_THETA = 10000.0;

  public static RopeScaling linear(double factor) {
    return new RopeScaling("linear", factor, 0, 0, 0);
  }

  public static RopeScaling llama3(double factor, double low, double high, int originalMax) {
    return new RopeScaling("llama3", factor, low, high, originalMax);
  }

  /** Rotary base and scaling of a config.json, whichever layout wrote it. */
  record Rope(double theta, RopeScaling scaling) {}

  /**
   * Reads the rotary settings with transformers 5's precedence ({@code
   * RotaryEmbeddingConfigMixin.convert_rope_params_to_dict}): a non-empty {@code rope_scaling}
   * object (4.x) is the parameter block, else {@code rope_parameters} (5.x); {@code rope_theta}
   * inside the block wins over the top-level one, which wins over 10000; the type is the block's
   * {@code rope_type}, else its {@code type}, else "default". For llama3 a top-level {@code
   * original_max_position_embeddings} wins over the block's, which defaults to {@code
   * max_position_embeddings} (5.x's standardization).
   */
  static Rope fromConfig(JsonObject json, String source, int maxPositionEmbeddings) {
    String blockKey = null;
    JsonObject block = new JsonObject();
    if (isNonEmptyObject(json.get("rope_scaling"))) {
      blockKey = "rope_scaling";
      block = json.getAsJsonObject("rope_scaling");
    } else if (isNonEmptyObject(json.get("rope_parameters"))) {
      blockKey = "rope_parameters";
      block = json.getAsJsonObject("rope_parameters");
    }
    if (blockKey != null
        && json.get("layer_types") != null
        && json.get("layer_types").isJsonArray()) {
      for (JsonElement type : json.getAsJsonArray("layer_types")) {
        if (type.isJsonPrimitive() && block.has(type.getAsString())) {
          throw new ModelLoadException(
              source
                  + ": "
                  + blockKey
                  + " gives separate rotary parameters per layer type (\""
                  + type.getAsString()
                  + "\"); only one rotary setting for all layers is supported");
        }
      }
    }
    double theta =
        present(block, "rope_theta")
            ? block.get("rope_theta").getAsDouble()
            : present(json, "rope_theta") ? json.get("rope_theta").getAsDouble() : DEFAULT_THETA;
    String typeKey = blockKey + ".rope_type";
    String type = "default";
    if (present(block, "rope_type")) {
      type = block.get("rope_type").getAsString();
    } else if (present(block, "type")) {
      type = block.get("type").getAsString();
      typeKey = blockKey + ".type";
    }
    RopeScaling scaling =
        switch (type) {
          case "default" -> null;
          case "linear" -> linear(required(block, "factor", blockKey, source));
          case "llama3" ->
              llama3(
                  required(block, "factor", blockKey, source),
                  required(block, "low_freq_factor", blockKey, source),
                  required(block, "high_freq_factor", blockKey, source),
                  present(json, "original_max_position_embeddings")
                      ? json.get("original_max_position_embeddings").getAsInt()
                      : present(block, "original_max_position_embeddings")
                          ? block.get("original_max_position_embeddings").getAsInt()
                          : maxPositionEmbeddings);
          default ->
              throw new ModelLoadException(
                  source
                      + ": "
                      + typeKey
                      + " \""
                      + type
                      + "\" is not supported (supported rope types: "
                      + String.join(", ", SUPPORTED_TYPES)
                      + ")");
        };
    return new Rope(theta, scaling);
  }

  private static boolean isNonEmptyObject(JsonElement e) {
    return e != null && e.isJsonObject() && !e.getAsJsonObject().isEmpty();
  }

  private static boolean present(JsonObject o, String key) {
    return o.has(key) && !o.get(key).isJsonNull();
  }

  private static double required(JsonObject block, String key, String blockKey, String source) {
    if (!present(block, key)) {
      throw new ModelLoadException(
          source + ": " + blockKey + " lacks \"" + key + "\", which its rope type requires");
    }
    return block.get(key).getAsDouble();
  }

  /** The 4.x {@code rope_scaling} object, which transformers 4 and 5 both read. */
  JsonObject toJson() {
    JsonObject o = new JsonObject();
    o.addProperty("rope_type", type);
    o.addProperty("factor", factor);
    if (type.equals("llama3")) {
      o.addProperty("low_freq_factor", lowFreqFactor);
      o.addProperty("high_freq_factor", highFreqFactor);
      o.addProperty("original_max_position_embeddings", originalMaxPositionEmbeddings);
    }
    return o;
  }

  /** The rotary inverse frequencies theta^(-2i/d), i = 0..d/2-1, after scaling. */
  public static float[] inverseFrequencies(int headDim, double theta, RopeScaling scaling) {
    int half = headDim / 2;
    float[] inv = new float[half];
    for (int i = 0; i < half; i++) {
      // float32 like the reference implementation, so positions line up bit for bit on small models
      float f = (float) (1.0 / Math.pow(theta, (2.0 * i) / headDim));
      inv[i] = scaling == null ? f : scaling.scale(f);
    }
    return inv;
  }

  float scale(float invFreq) {
    if (type.equals("linear")) {
      return (float) (invFreq / factor);
    }
    double lowFreqWavelen = originalMaxPositionEmbeddings / lowFreqFactor;
    double highFreqWavelen = originalMaxPositionEmbeddings / highFreqFactor;
    double wavelen = 2 * Math.PI / invFreq;
    if (wavelen < highFreqWavelen) {
      return invFreq;
    }
    if (wavelen > lowFreqWavelen) {
      return (float) (invFreq / factor);
    }
    double smooth =
        (originalMaxPositionEmbeddings / wavelen - lowFreqFactor)
            / (highFreqFactor - lowFreqFactor);
    return (float) ((1 - smooth) * invFreq / factor + smooth * invFreq);
  }
}
