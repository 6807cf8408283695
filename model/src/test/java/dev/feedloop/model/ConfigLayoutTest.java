package dev.feedloop.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * config.json as transformers 5.x writes it ({@code rope_parameters}, {@code dtype}, {@code
 * layer_types}) and as 4.x wrote it (top-level {@code rope_theta}, {@code rope_scaling}, {@code
 * torch_dtype}, {@code use_sliding_window} / {@code max_window_layers}) mean the same model.
 */
class ConfigLayoutTest {

  @TempDir Path tmp;

  /** The keys every tiny config below shares, as save_pretrained writes them. */
  static final String COMMON =
      """
      "vocab_size": 32, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2,
      "num_attention_heads": 4, "num_key_value_heads": 2, "rms_norm_eps": 1e-06,
      "max_position_embeddings": 64, "attention_dropout": 0.0, "initializer_range": 0.02,
      "use_cache": true, "pad_token_id": null, "bos_token_id": 1, "eos_token_id": 2,
      "tie_word_embeddings": false, "hidden_act": "silu",
      """;

  static final String LLAMA3_V5 =
      """
      {"architectures": ["LlamaForCausalLM"], "model_type": "llama", %s
       "attention_bias": false, "mlp_bias": false, "head_dim": 4, "pretraining_tp": 1,
       "dtype": "float32", "transformers_version": "5.0.0",
       "rope_parameters": {"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                           "original_max_position_embeddings": 16, "rope_theta": 500000.0,
                           "rope_type": "llama3"}}
      """
          .formatted(COMMON);

  static final String LLAMA3_V4 =
      """
      {"architectures": ["LlamaForCausalLM"], "model_type": "llama", %s
       "attention_bias": false, "mlp_bias": false, "head_dim": 4, "pretraining_tp": 1,
       "torch_dtype": "float32", "transformers_version": "4.46.0", "rope_theta": 500000.0,
       "rope_scaling": {"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                        "original_max_position_embeddings": 16, "rope_type": "llama3"}}
      """
          .formatted(COMMON);

  static final String QWEN2_V5 =
      """
      {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", %s
       "dtype": "bfloat16", "transformers_version": "5.0.0",
       "use_sliding_window": true, "sliding_window": 3, "max_window_layers": 1,
       "layer_types": ["full_attention", "sliding_attention"],
       "rope_parameters": {"rope_theta": 1000000.0, "rope_type": "default"}}
      """
          .formatted(COMMON);

  static final String QWEN2_V4 =
      """
      {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", %s
       "torch_dtype": "bfloat16", "transformers_version": "4.45.0",
       "use_sliding_window": true, "sliding_window": 3, "max_window_layers": 1,
       "rope_theta": 1000000.0, "rope_scaling": null}
      """
          .formatted(COMMON);

  static final String MISTRAL_V5 =
      """
      {"architectures": ["MistralForCausalLM"], "model_type": "mistral", %s
       "head_dim": 4, "sliding_window": 3, "dtype": "float32",
       "rope_parameters": {"rope_theta": 10000.0, "rope_type": "default"}}
      """
          .formatted(COMMON);

  static final String MISTRAL_V4 =
      """
      {"architectures": ["MistralForCausalLM"], "model_type": "mistral", %s
       "head_dim": 4, "sliding_window": 3, "torch_dtype": "float32", "rope_theta": 10000.0}
      """
          .formatted(COMMON);

  static final String QWEN3_V5 =
      """
      {"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", %s
       "head_dim": 8, "attention_bias": false, "use_sliding_window": false, "sliding_window": null,
       "max_window_layers": 2, "layer_types": ["full_attention", "full_attention"],
       "dtype": "bfloat16", "rope_parameters": {"rope_theta": 1000000.0, "rope_type": "default"}}
      """
          .formatted(COMMON);

  static final String QWEN3_V4 =
      """
      {"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", %s
       "head_dim": 8, "attention_bias": false, "use_sliding_window": false, "sliding_window": 3,
       "max_window_layers": 0, "torch_dtype": "bfloat16", "rope_theta": 1000000.0,
       "rope_scaling": null}
      """
          .formatted(COMMON);

  static Stream<Arguments> layouts() {
    return Stream.of(
        Arguments.of("llama3 rope", LLAMA3_V5, LLAMA3_V4),
        Arguments.of("qwen2 window on the second layer", QWEN2_V5, QWEN2_V4),
        Arguments.of("mistral window", MISTRAL_V5, MISTRAL_V4),
        Arguments.of("qwen3, use_sliding_window false", QWEN3_V5, QWEN3_V4));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("layouts")
  void bothLayoutsReadAsTheSameModel(String name, String v5, String v4) throws Exception {
    ModelConfig five = read(v5);
    ModelConfig four = read(v4);
    assertThat(five).isEqualTo(four);
    // and what this project writes reads back as the same model
    Path written = tmp.resolve("written.json");
    five.write(written);
    assertThat(ModelConfig.read(written)).isEqualTo(five);
  }

  @Test
  void theParsedValuesAreTransformersOwn() throws Exception {
    ModelConfig llama = read(LLAMA3_V5);
    assertThat(llama.ropeTheta()).isEqualTo(500000.0);
    assertThat(llama.ropeScaling()).isEqualTo(RopeScaling.llama3(8, 1, 4, 16));
    assertThat(llama.hasSlidingLayers()).isFalse();

    ModelConfig qwen2 = read(QWEN2_V5);
    assertThat(qwen2.ropeTheta()).isEqualTo(1e6);
    assertThat(qwen2.ropeScaling()).isNull();
    assertThat(qwen2.attentionBias()).isTrue();
    assertThat(qwen2.outputBias()).isFalse();
    assertThat(qwen2.slidingWindow()).isEqualTo(3);
    assertThat(qwen2.isSliding(0)).isFalse();
    assertThat(qwen2.isSliding(1)).isTrue();

    ModelConfig mistral = read(MISTRAL_V5);
    assertThat(mistral.slidingWindow()).isEqualTo(3);
    assertThat(mistral.isSliding(0)).isTrue();
    assertThat(mistral.isSliding(1)).isTrue();
    assertThat(mistral.attentionBias()).isFalse();

    ModelConfig qwen3 = read(QWEN3_V5);
    assertThat(qwen3.headDim()).isEqualTo(8).isNotEqualTo(qwen3.hiddenSize() / qwen3.numHeads());
    assertThat(qwen3.queryKeyNorm()).isTrue();
    assertThat(qwen3.attentionBias()).isFalse();
    // use_sliding_window false: no window, whatever sliding_window and max_window_layers say
    assertThat(read(QWEN3_V4).hasSlidingLayers()).isFalse();
  }

  @Test
  void defaultsAreThoseOfEachConfigClass() throws Exception {
    // MistralConfig's sliding_window defaults to 4096 when the key is absent; null means none
    ModelConfig mistral = read(MISTRAL_V4.replace("\"sliding_window\": 3,", ""));
    assertThat(mistral.slidingWindow()).isEqualTo(4096);
    assertThat(mistral.isSliding(1)).isTrue();
    assertThat(read(MISTRAL_V4.replace("\"sliding_window\": 3", "\"sliding_window\": null")))
        .extracting(ModelConfig::hasSlidingLayers)
        .isEqualTo(false);
    // Qwen3Config's head_dim defaults to 128 instead of hidden_size / num_attention_heads
    assertThat(read(QWEN3_V5.replace("\"head_dim\": 8,", "")).headDim()).isEqualTo(128);
    // Qwen2: layer_types absent, max_window_layers absent (28): no layer of 2 slides
    assertThat(read(QWEN2_V4.replace("\"max_window_layers\": 1,", "")).hasSlidingLayers())
        .isFalse();
    // rope_theta absent everywhere: 10000
    assertThat(read(QWEN2_V4.replace("\"rope_theta\": 1000000.0,", "")).ropeTheta())
        .isEqualTo(10000.0);
    // Llama, Qwen3: attention_bias covers o_proj too
    ModelConfig biased =
        read(LLAMA3_V4.replace("\"attention_bias\": false", "\"attention_bias\": true"));
    assertThat(biased.attentionBias()).isTrue();
    assertThat(biased.outputBias()).isTrue();
  }

  @Test
  void precedenceBetweenTheLayoutsFollowsTransformers5() throws Exception {
    // rope_parameters' own rope_theta wins over a stray top-level one
    JsonObject json = JsonParser.parseString(MISTRAL_V5).getAsJsonObject();
    json.addProperty("rope_theta", 123.0);
    assertThat(ModelConfig.fromJson(json, "config.json").ropeTheta()).isEqualTo(10000.0);
    // a 4.x rope_scaling with the old "type" key and no rope_theta of its own
    ModelConfig linear =
        read(
            LLAMA3_V4.replaceFirst(
                "\"rope_scaling\": \\{[^}]*\\}",
                "\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}"));
    assertThat(linear.ropeScaling()).isEqualTo(RopeScaling.linear(2.0));
    assertThat(linear.ropeTheta()).isEqualTo(500000.0);
    // layer_types (5.x) decides which layers slide, not max_window_layers (4.x)
    ModelConfig firstSlides =
        read(
            QWEN2_V5.replace(
                "[\"full_attention\", \"sliding_attention\"]",
                "[\"sliding_attention\", \"full_attention\"]"));
    assertThat(firstSlides.isSliding(0)).isTrue();
    assertThat(firstSlides.isSliding(1)).isFalse();
    // Mistral ignores layer_types, as MistralModel does: the window is global
    JsonObject mistral = JsonParser.parseString(MISTRAL_V5).getAsJsonObject();
    mistral.add("layer_types", JsonParser.parseString("[\"full_attention\", \"full_attention\"]"));
    assertThat(ModelConfig.fromJson(mistral, "config.json").layerTypes())
        .isEqualTo(Collections.nCopies(2, ModelConfig.LayerType.SLIDING_ATTENTION));
  }

  @Test
  void theTinyWindowedModelsRoundTripThroughConfigJson() throws Exception {
    for (ModelConfig c :
        List.of(
            TinyModels.qwen3(),
            TinyModels.mistralWindowed(),
            TinyModels.qwen2Windowed(),
            TinyModels.qwen3Windowed(),
            TinyModels.llama3Scaled())) {
      Path f = tmp.resolve("c.json");
      c.write(f);
      assertThat(ModelConfig.read(f)).as(c.architecture()).isEqualTo(c);
    }
  }

  private ModelConfig read(String json) throws Exception {
    Path f = tmp.resolve("config.json");
    Files.writeString(f, json);
    return ModelConfig.read(f);
  }
}
