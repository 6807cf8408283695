package dev.feedloop.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.feedloop.model.io.SafeTensors;
import dev.feedloop.schemas.ChatMessages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelLoadingTest {

  @TempDir Path tmp;

  @ParameterizedTest(name = "{0} in {1} shard(s), {2}")
  @CsvSource({
    "F32, 1, llama",
    "F16, 1, llama",
    "BF16, 1, llama",
    "F32, 3, llama",
    "BF16, 2, qwen2",
    "F32, 1, qwen2",
    "BF16, 1, qwen3",
    "F16, 2, mistral"
  })
  void loadsEveryDtypeAndShardedCheckpoints(String dtype, int shards, String arch)
      throws Exception {
    ModelConfig config =
        switch (arch) {
          case "qwen2" -> TinyModels.qwen2Tied();
          case "qwen3" -> TinyModels.qwen3Windowed();
          case "mistral" -> TinyModels.mistralWindowed();
          default -> TinyModels.llama();
        };
    Path dir = tmp.resolve(dtype + shards + arch);
    try (CausalLM original = TinyModels.random(config, 21)) {
      TinyModels.writeDirectory(dir, original, dtype, shards);
      try (LanguageModel loaded = LanguageModel.load(dir)) {
        assertThat(loaded.model().config()).isEqualTo(config);
        Map<String, NDArray> want = original.weights().named(config);
        Map<String, NDArray> got = loaded.model().weights().named(config);
        assertThat(got.keySet()).isEqualTo(want.keySet());
        for (String name : want.keySet()) {
          float[] w = TinyModels.floats(want.get(name));
          float[] g = TinyModels.floats(got.get(name));
          for (int i = 0; i < w.length; i++) {
            float expected =
                switch (dtype) {
                  case "F16" -> SafeTensors.f16ToFloat(SafeTensors.floatToF16(w[i]));
                  case "BF16" -> SafeTensors.bf16ToFloat(SafeTensors.floatToBf16(w[i]));
                  default -> w[i];
                };
            assertThat(g[i]).as("%s[%d]", name, i).isEqualTo(expected);
          }
        }
        if (config.tieWordEmbeddings()) {
          assertThat(loaded.model().weights().lmHead())
              .isSameAs(loaded.model().weights().embedTokens());
        }
        // and the loaded model computes: same scores as the in-memory one up to the dtype's
        // rounding
        List<CausalLM.Sequence> seqs =
            List.of(new CausalLM.Sequence(new long[] {1, 4, 6}, new long[] {7, 2}));
        double tol = dtype.equals("F32") ? 1e-5 : 0.05;
        assertThat(loaded.model().score(seqs, null).get(0).sum())
            .isCloseTo(original.score(seqs, null).get(0).sum(), within(tol));
        assertThat(loaded.stopTokenIds()).containsExactly(2L);
      }
    }
  }

  @Test
  void tokenizerAndTemplateComeFromTheDirectory() throws Exception {
    Path dir = tmp.resolve("m");
    try (CausalLM original = TinyModels.random(TinyModels.llama(), 3)) {
      TinyModels.writeDirectory(dir, original, "F32", 1);
    }
    try (LanguageModel lm = LanguageModel.load(dir)) {
      String text = lm.renderChat(List.of(ChatMessages.user("hello how are you")), true);
      assertThat(text)
          .isEqualTo("<|im_start|>user hello how are you <|im_end|> <|im_start|> assistant ");
      assertThat(lm.encodeChat(List.of(ChatMessages.user("hello how are you")), true))
          .containsExactly(1, 4, 6, 8, 9, 10, 2, 1, 5);
      assertThat(lm.tokenizer().decode(new long[] {11, 12, 13}, true)).isEqualTo("I am fine");
    }
  }

  @Test
  void parsesHuggingFaceConfigFields() throws Exception {
    Path f = tmp.resolve("config.json");
    Files.writeString(
        f,
        """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 128256,
                 "hidden_size": 2048, "intermediate_size": 8192, "num_hidden_layers": 16,
                 "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 64, "rms_norm_eps": 1e-05,
                 "rope_theta": 500000.0, "max_position_embeddings": 131072, "tie_word_embeddings": true,
                 "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                                  "original_max_position_embeddings": 8192, "rope_type": "llama3"},
                 "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009]}
                """);
    ModelConfig c = ModelConfig.read(f);
    assertThat(c.numKvHeads()).isEqualTo(8);
    assertThat(c.queriesPerKv()).isEqualTo(4);
    assertThat(c.headDim()).isEqualTo(64);
    assertThat(c.ropeScaling()).isEqualTo(RopeScaling.llama3(32, 1, 4, 8192));
    assertThat(c.eosTokenIds()).containsExactly(128001, 128008, 128009);
    assertThat(c.tieWordEmbeddings()).isTrue();
    assertThat(c.attentionBias()).isFalse();
    // Llama-3.2-1B has 1.24 B parameters with tied embeddings
    assertThat(c.parameterCount()).isBetween(1_230_000_000L, 1_240_000_000L);

    float[] plain = RopeScaling.inverseFrequencies(64, 500000, null);
    float[] scaled = RopeScaling.inverseFrequencies(64, 500000, c.ropeScaling());
    assertThat(scaled[0]).isEqualTo(plain[0]); // high frequency: unchanged
    assertThat(scaled[31])
        .isCloseTo(plain[31] / 32, within(1e-12f)); // low frequency: divided by factor
    // index 16 lies between the cut-offs: wavelength 2*pi*500000^(16/32) = 4443, between 8192/4 and
    // 8192/1,
    // so it blends with smooth = (8192/4443 - 1) / (4 - 1) = 0.281
    double wavelength = 2 * Math.PI / plain[16];
    double smooth = (8192 / wavelength - 1) / (4 - 1);
    assertThat(smooth).isStrictlyBetween(0.0, 1.0);
    assertThat((double) scaled[16])
        .isCloseTo((1 - smooth) * plain[16] / 32 + smooth * plain[16], within(1e-9));
  }

  @Test
  void clearErrorsNameTheFileAndTheProblem() throws Exception {
    Path dir = tmp.resolve("broken");
    Files.createDirectories(dir);
    assertThatThrownBy(() -> LanguageModel.load(dir))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("tokenizer.json")
        .hasMessageContaining("not found");
    TinyModels.writeTokenizer(dir);
    assertThatThrownBy(() -> LanguageModel.load(dir))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("config.json")
        .hasMessageContaining("not found");

    Files.writeString(
        dir.resolve("config.json"),
        "{\"architectures\": [\"GPT2LMHeadModel\"], \"model_type\": \"gpt2\"}");
    assertThatThrownBy(() -> LanguageModel.load(dir))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("config.json")
        .hasMessageContaining("unsupported architecture GPT2LMHeadModel");

    TinyModels.llama().write(dir.resolve("config.json"));
    assertThatThrownBy(() -> LanguageModel.load(dir))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("model.safetensors");

    // weights of a wider model than config.json says
    try (CausalLM wider =
        TinyModels.random(ModelConfig.llama(TinyModels.WORDS.size(), 32, 32, 2, 4, 2), 1)) {
      wider.weights().save(wider.config(), dir.resolve("model.safetensors"), "F32");
    }
    assertThatThrownBy(() -> LanguageModel.load(dir))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("model.safetensors")
        .hasMessageContaining("model.embed_tokens.weight")
        .hasMessageContaining("[32, 32]")
        .hasMessageContaining("[32, 16]");

    // a tensor the config needs is missing (tied checkpoint, untied config)
    try (CausalLM tied = TinyModels.random(TinyModels.llama().withTiedEmbeddings(true), 1)) {
      tied.weights().save(tied.config(), dir.resolve("model.safetensors"), "F32");
    }
    assertThatThrownBy(() -> LanguageModel.load(dir))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("lm_head.weight")
        .hasMessageContaining("missing");
  }

  @Test
  void dtypeOfTheModelIsConfigurable() throws Exception {
    Path dir = tmp.resolve("f64");
    try (CausalLM original = TinyModels.random(TinyModels.llama(), 3)) {
      TinyModels.writeDirectory(dir, original, "F32", 1);
      try (CausalLM f64 = CausalLM.load(dir, original.device(), DataType.FLOAT64)) {
        assertThat(f64.weights().embedTokens().getDataType()).isEqualTo(DataType.FLOAT64);
        List<CausalLM.Sequence> seqs =
            List.of(new CausalLM.Sequence(new long[] {1, 4}, new long[] {7, 2}));
        assertThat(f64.score(seqs, null).get(0).sum())
            .isCloseTo(original.score(seqs, null).get(0).sum(), within(1e-4));
      }
    }
  }
}
