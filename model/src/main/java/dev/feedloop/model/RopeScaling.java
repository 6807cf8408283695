package dev.feedloop.model;

import com.google.gson.JsonObject;

/**
 * Rotary-embedding frequency scaling from {@code config.json}'s {@code rope_scaling}.
 *
 * <p>{@code linear} divides every frequency by {@code factor} (position interpolation). {@code
 * llama3} leaves high frequencies alone, divides low frequencies by {@code factor} and blends
 * smoothly in between, so short-range attention keeps its resolution while long contexts fit.
 */
public record RopeScaling(
    String type,
    double factor,
    double lowFreqFactor,
    double highFreqFactor,
    int originalMaxPositionEmbeddings) {

  public static RopeScaling linear(double factor) {
    return new RopeScaling("linear", factor, 0, 0, 0);
  }

  public static RopeScaling llama3(double factor, double low, double high, int originalMax) {
    return new RopeScaling("llama3", factor, low, high, originalMax);
  }

  static RopeScaling fromJson(JsonObject o, String source) {
    String type =
        o.has("rope_type")
            ? o.get("rope_type").getAsString()
            : o.has("type") ? o.get("type").getAsString() : null;
    if (type == null) {
      throw new ModelLoadException(source + ": rope_scaling has neither rope_type nor type");
    }
    double factor = o.has("factor") ? o.get("factor").getAsDouble() : 1.0;
    return switch (type) {
      case "default" -> null;
      case "linear" -> linear(factor);
      case "llama3" ->
          llama3(
              factor,
              o.has("low_freq_factor") ? o.get("low_freq_factor").getAsDouble() : 1.0,
              o.has("high_freq_factor") ? o.get("high_freq_factor").getAsDouble() : 4.0,
              o.has("original_max_position_embeddings")
                  ? o.get("original_max_position_embeddings").getAsInt()
                  : 8192);
      default ->
          throw new ModelLoadException(
              source
                  + ": unsupported rope_scaling type \""
                  + type
                  + "\" (supported: linear, llama3)");
    };
  }

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
