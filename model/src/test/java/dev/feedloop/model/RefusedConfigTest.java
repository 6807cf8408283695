package dev.feedloop.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A config key that changes the math and is not implemented is refused at load, with the key and
 * the file in the message; keys that change nothing at inference are accepted.
 */
class RefusedConfigTest {

  @TempDir Path tmp;

  /** One refused feature: the JSON merged into a valid config, and the key the error must name. */
  static Stream<Arguments> refused() {
    return Stream.of(
        refuse(
            "yarn rope (5.x layout)",
            ConfigLayoutTest.LLAMA3_V5,
            "{\"rope_parameters\": {\"rope_type\": \"yarn\", \"factor\": 4.0,"
                + " \"original_max_position_embeddings\": 16, \"rope_theta\": 10000.0}}",
            "rope_parameters.rope_type"),
        refuse(
            "dynamic rope (4.x layout, old type key)",
            ConfigLayoutTest.LLAMA3_V4,
            "{\"rope_scaling\": {\"type\": \"dynamic\", \"factor\": 2.0}}",
            "rope_scaling.type"),
        refuse(
            "llama3 rope without low_freq_factor",
            ConfigLayoutTest.LLAMA3_V4,
            "{\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0,"
                + " \"high_freq_factor\": 4.0}}",
            "low_freq_factor"),
        refuse(
            "rotary parameters per layer type",
            ConfigLayoutTest.QWEN2_V5,
            "{\"rope_parameters\": {\"full_attention\": {\"rope_type\": \"default\"},"
                + " \"sliding_attention\": {\"rope_type\": \"default\"}}}",
            "rope_parameters"),
        refuse(
            "gelu activation",
            ConfigLayoutTest.LLAMA3_V5,
            "{\"hidden_act\": \"gelu\"}",
            "hidden_act"),
        refuse(
            "attention logit soft-capping",
            ConfigLayoutTest.QWEN3_V5,
            "{\"attn_logit_softcapping\": 50.0}",
            "attn_logit_softcapping"),
        refuse(
            "final logit soft-capping",
            ConfigLayoutTest.MISTRAL_V5,
            "{\"final_logit_softcapping\": 30.0}",
            "final_logit_softcapping"),
        refuse(
            "NoPE layers",
            ConfigLayoutTest.LLAMA3_V5,
            "{\"no_rope_layers\": [1, 0]}",
            "no_rope_layers"),
        refuse(
            "NoPE layer interval",
            ConfigLayoutTest.LLAMA3_V5,
            "{\"nope_layer_interval\": 4}",
            "nope_layer_interval"),
        refuse(
            "partial rotary embeddings",
            ConfigLayoutTest.QWEN2_V4,
            "{\"partial_rotary_factor\": 0.5}",
            "partial_rotary_factor"),
        refuse(
            "chunked attention",
            ConfigLayoutTest.LLAMA3_V5,
            "{\"attention_chunk_size\": 8192}",
            "attention_chunk_size"),
        refuse(
            "attention scale other than 1/sqrt(head_dim)",
            ConfigLayoutTest.LLAMA3_V5,
            "{\"query_pre_attn_scalar\": 256}",
            "query_pre_attn_scalar"),
        refuse(
            "scaled embeddings",
            ConfigLayoutTest.LLAMA3_V5,
            "{\"embedding_multiplier\": 12.0}",
            "embedding_multiplier"),
        refuse("MLP biases", ConfigLayoutTest.LLAMA3_V5, "{\"mlp_bias\": true}", "mlp_bias"),
        refuse(
            "quantized weights",
            ConfigLayoutTest.QWEN3_V5,
            "{\"quantization_config\": {\"quant_method\": \"gptq\", \"bits\": 4}}",
            "quantization_config"),
        refuse(
            "float8 checkpoint",
            ConfigLayoutTest.QWEN3_V5,
            "{\"dtype\": \"float8_e4m3fn\"}",
            "dtype"),
        refuse(
            "an attention type other than full and sliding",
            ConfigLayoutTest.QWEN2_V5,
            "{\"layer_types\": [\"full_attention\", \"chunked_attention\"]}",
            "layer_types"),
        refuse(
            "layer_types of the wrong length",
            ConfigLayoutTest.QWEN2_V5,
            "{\"layer_types\": [\"full_attention\"]}",
            "layer_types"),
        refuse(
            "sliding layers without a window",
            ConfigLayoutTest.QWEN2_V5,
            "{\"use_sliding_window\": false}",
            "layer_types"));
  }

  private static Arguments refuse(String name, String base, String overlay, String key) {
    return Arguments.of(name, base, overlay, key);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void refusesWithTheKeyAndTheFile(String name, String base, String overlay, String key)
      throws Exception {
    Path f = write(base, overlay);
    assertThatThrownBy(() -> ModelConfig.read(f))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining(f.toString())
        .hasMessageContaining(key);
  }

  /** Keys that do not change inference, or set to their neutral value, load. */
  @Test
  void harmlessKeysAreAccepted() throws Exception {
    String[] overlays = {
      "{\"attention_dropout\": 0.1}",
      "{\"pretraining_tp\": 2}",
      "{\"hidden_act\": \"swish\"}",
      "{\"no_rope_layers\": [1, 1]}",
      "{\"partial_rotary_factor\": 1.0}",
      "{\"mlp_bias\": false}",
      "{\"attn_logit_softcapping\": null}",
      "{\"dtype\": \"bfloat16\"}",
      "{\"rope_parameters\": {\"rope_type\": \"linear\", \"factor\": 2.0, \"rope_theta\": 1e4}}",
    };
    ModelConfig plain = ModelConfig.read(write(ConfigLayoutTest.LLAMA3_V5, "{}"));
    for (String overlay : overlays) {
      ModelConfig c = ModelConfig.read(write(ConfigLayoutTest.LLAMA3_V5, overlay));
      assertThat(c.hiddenSize()).as(overlay).isEqualTo(plain.hiddenSize());
    }
  }

  /**
   * Tensors the config does not account for are refused too: a Qwen3 checkpoint (q_norm, k_norm)
   * labelled Llama would otherwise run without its norms; a Llama checkpoint with o_proj biases
   * under attention_bias false without its biases.
   */
  @Test
  void checkpointTensorsTheConfigDoesNotNameAreRefused() throws Exception {
    ModelConfig qwen3SameShapes =
        TinyModels.llama().withArchitecture(ModelConfig.QWEN3, false); // head_dim 4 like Llama's
    Path qwen3 = tmp.resolve("qwen3-as-llama");
    try (CausalLM model = TinyModels.random(qwen3SameShapes, 1)) {
      TinyModels.writeDirectory(qwen3, model, "F32", 1);
    }
    TinyModels.llama().write(qwen3.resolve("config.json"));
    assertThatThrownBy(() -> CausalLM.load(qwen3, Device.cpu(), DataType.FLOAT32))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("model.safetensors")
        .hasMessageContaining("_norm.weight")
        .hasMessageContaining("LlamaForCausalLM");

    Path biased = tmp.resolve("biased-llama");
    try (CausalLM model =
        TinyModels.random(TinyModels.llama().withArchitecture(ModelConfig.LLAMA, true), 1)) {
      TinyModels.writeDirectory(biased, model, "F32", 2);
    }
    TinyModels.llama().write(biased.resolve("config.json"));
    assertThatThrownBy(() -> CausalLM.load(biased, Device.cpu(), DataType.FLOAT32))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining(".safetensors")
        .hasMessageContaining("_proj.bias");
  }

  private Path write(String base, String overlay) throws Exception {
    JsonObject json = JsonParser.parseString(base).getAsJsonObject();
    JsonParser.parseString(overlay)
        .getAsJsonObject()
        .entrySet()
        .forEach(e -> json.add(e.getKey(), e.getValue()));
    Path f = Files.createTempFile(tmp, "config", ".json");
    Files.writeString(f, json.toString());
    return f;
  }
}
