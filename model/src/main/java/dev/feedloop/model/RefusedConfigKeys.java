package dev.feedloop.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * config.json keys that change what a decoder computes and that this implementation does not
 * compute. A config that sets one of them to anything but its neutral value is refused at load,
 * with the key and the file in the message, instead of being run with the key silently ignored.
 *
 * <p>Keys whose meaning is known to be harmless at inference stay accepted: {@code
 * attention_dropout} (dropout is off outside training, and LoRA training here applies no attention
 * dropout), {@code pretraining_tp} (a different split of the same matmuls), {@code use_cache},
 * {@code initializer_range}.
 */
final class RefusedConfigKeys {

  /** One refused feature: its key, when a value is harmless, and what it would change. */
  record Refused(String key, Predicate<JsonElement> neutral, String what) {}

  private static final Predicate<JsonElement> ABSENT = e -> false;
  private static final Predicate<JsonElement> FALSE =
      e -> e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean() && !e.getAsBoolean();
  private static final Predicate<JsonElement> ONE = e -> isNumber(e) && e.getAsDouble() == 1.0;
  private static final Predicate<JsonElement> ZERO = e -> isNumber(e) && e.getAsDouble() == 0.0;
  private static final Predicate<JsonElement> ALL_ONES =
      e -> {
        // no_rope_layers[i] == 1 means layer i does use rotary positions (SmolLM3, Llama 4)
        if (!e.isJsonArray()) {
          return false;
        }
        for (JsonElement x : e.getAsJsonArray()) {
          if (!isNumber(x) || x.getAsDouble() != 1.0) {
            return false;
          }
        }
        return true;
      };

  /** The activations transformers maps to SiLU (ACT2FN "silu" and "swish"). */
  static final Set<String> SILU = Set.of("silu", "swish");

  /** Floating dtypes a checkpoint may declare; each tensor's own dtype comes from its header. */
  static final Set<String> FLOAT_DTYPES = Set.of("float32", "float16", "bfloat16", "float64");

  static final List<Refused> KEYS =
      List.of(
          new Refused(
              "hidden_act",
              e -> e.isJsonPrimitive() && SILU.contains(e.getAsString()),
              "the MLP activation; only silu (SwiGLU) is implemented"),
          new Refused(
              "hidden_activation",
              e -> e.isJsonPrimitive() && SILU.contains(e.getAsString()),
              "the MLP activation; only silu (SwiGLU) is implemented"),
          new Refused(
              "attn_logit_softcapping",
              ABSENT,
              "tanh soft-capping of attention scores is not implemented"),
          new Refused(
              "final_logit_softcapping",
              ABSENT,
              "tanh soft-capping of the output logits is not implemented"),
          new Refused(
              "no_rope_layers",
              ALL_ONES,
              "layers without rotary positions (NoPE) are not implemented"),
          new Refused(
              "no_rope_layer_interval",
              ZERO,
              "layers without rotary positions (NoPE) are not implemented"),
          new Refused(
              "nope_layer_interval",
              ZERO,
              "layers without rotary positions (NoPE) are not implemented"),
          new Refused(
              "partial_rotary_factor",
              ONE,
              "rotary embeddings on part of each head are not implemented"),
          new Refused("attention_chunk_size", ABSENT, "chunked attention is not implemented"),
          new Refused(
              "query_pre_attn_scalar",
              ABSENT,
              "an attention scale other than 1/sqrt(head_dim) is not implemented"),
          new Refused(
              "attention_multiplier",
              ONE,
              "an attention scale other than 1/sqrt(head_dim) is not implemented"),
          new Refused("embedding_multiplier", ONE, "scaled input embeddings are not implemented"),
          new Refused("residual_multiplier", ONE, "scaled residual branches are not implemented"),
          new Refused("logits_scaling", ONE, "scaled output logits are not implemented"),
          new Refused(
              "use_qk_norm",
              FALSE,
              "query/key normalization is implemented for Qwen3ForCausalLM only"),
          new Refused("mlp_bias", FALSE, "biases in the MLP projections are not implemented"),
          new Refused(
              "quantization_config",
              ABSENT,
              "quantized checkpoints are not supported (dequantize to float weights first)"));

  private RefusedConfigKeys() {}

  /** Throws for the first refused key set to a non-neutral value, or a non-float dtype. */
  static void check(JsonObject json, String source) {
    for (Refused r : KEYS) {
      JsonElement value = json.get(r.key());
      if (value != null && !value.isJsonNull() && !r.neutral().test(value)) {
        throw new ModelLoadException(
            source
                + ": \""
                + r.key()
                + "\": "
                + value
                + " is not supported: "
                + r.what()
                + " (see model/README.md, \"Refused config keys\")");
      }
    }
    // transformers 5 writes "dtype", 4.x "torch_dtype"; both only say how weights were stored
    for (String key : List.of("dtype", "torch_dtype")) {
      JsonElement value = json.get(key);
      if (value != null
          && !value.isJsonNull()
          && !(value.isJsonPrimitive()
              && (FLOAT_DTYPES.contains(value.getAsString())
                  || value.getAsString().equals("auto")))) {
        throw new ModelLoadException(
            source
                + ": \""
                + key
                + "\": "
                + value
                + " is not supported: weights must be stored as "
                + FLOAT_DTYPES);
      }
    }
  }

  private static boolean isNumber(JsonElement e) {
    return e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber();
  }
}
