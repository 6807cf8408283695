package dev.feedloop.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.feedloop.model.io.SafeTensors;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.model.lora.LoraConfig;
import dev.feedloop.model.lora.LoraMerge;
import dev.feedloop.model.lora.LoraParameter;
import dev.feedloop.schemas.LoraSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoraTest {

  static final List<String> ALL =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  @TempDir Path tmp;

  static List<CausalLM.Sequence> batch() {
    return List.of(
        new CausalLM.Sequence(new long[] {1, 4, 6}, new long[] {7, 8, 9, 2}),
        new CausalLM.Sequence(new long[] {1, 4, 10, 11, 12}, new long[] {13, 2}));
  }

  /** Gives B random values so the adapter changes the model. */
  static void perturb(LoraAdapter adapter, long seed) {
    java.util.Random rnd = new java.util.Random(seed);
    for (LoraParameter p : adapter.parameters()) {
      if (p.name().endsWith("lora_B.weight")) {
        float[] v = new float[(int) p.array().size()];
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) (0.05 * rnd.nextGaussian());
        }
        p.array().set(v);
      }
    }
  }

  @Test
  void freshAdapterWithBZeroEqualsTheBaseModelAndDisablingGivesBaseLogProbs() {
    try (CausalLM model = TinyModels.random(TinyModels.llama(), 1);
        LoraAdapter adapter =
            LoraAdapter.create(
                model.config(),
                LoraConfig.of(4, 8, 0, ALL),
                model.manager(),
                DataType.FLOAT32,
                3)) {
      List<CausalLM.Score> base = model.score(batch(), null);
      List<CausalLM.Score> fresh = model.score(batch(), adapter);
      for (int i = 0; i < base.size(); i++) {
        // B = 0 makes the LoRA branch exactly zero, so the sums agree to the last bit
        assertThat(fresh.get(i).sum()).isEqualTo(base.get(i).sum());
        assertThat(fresh.get(i).perToken()).containsExactly(base.get(i).perToken());
      }
      perturb(adapter, 5);
      List<CausalLM.Score> adapted = model.score(batch(), adapter);
      List<CausalLM.Score> disabled = model.score(batch(), null);
      assertThat(Math.abs(adapted.get(0).sum() - base.get(0).sum())).isGreaterThan(1e-4);
      for (int i = 0; i < base.size(); i++) {
        assertThat(disabled.get(i).sum()).isEqualTo(base.get(i).sum());
      }
    }
  }

  @Test
  void logProbsMaskPromptAndPaddingAndAgreeWithSumAndMean() {
    try (CausalLM model = TinyModels.random(TinyModels.llama(), 2)) {
      List<CausalLM.Score> scores = model.score(batch(), null);
      assertThat(scores.get(0).perToken()).hasSize(4);
      assertThat(scores.get(1).perToken()).hasSize(2);
      for (CausalLM.Score s : scores) {
        double sum = 0;
        for (float f : s.perToken()) {
          assertThat(f).isNegative();
          sum += f;
        }
        assertThat(s.sum()).isCloseTo(sum, within(1e-4));
        assertThat(s.mean()).isCloseTo(sum / s.perToken().length, within(1e-5));
      }
      // batching does not change a sequence's score
      CausalLM.Score alone = model.score(List.of(batch().get(1)), null).get(0);
      assertThat(alone.sum()).isCloseTo(scores.get(1).sum(), within(1e-4));
    }
  }

  @Test
  void saveThenLoadIsBitIdenticalWithPeftNames() throws Exception {
    try (CausalLM model = TinyModels.random(TinyModels.llama(), 1);
        LoraAdapter adapter =
            LoraAdapter.create(
                model.config(),
                LoraConfig.of(4, 16, 0.05, List.of("q_proj", "v_proj", "down_proj"))
                    .withBaseModel("tiny"),
                model.manager(),
                DataType.FLOAT32,
                3)) {
      perturb(adapter, 9);
      Path dir = tmp.resolve("adapter");
      adapter.save(dir);

      SafeTensors st = SafeTensors.open(dir.resolve("adapter_model.safetensors"));
      assertThat(st.tensors().keySet())
          .containsExactlyInAnyOrder(
              "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
              "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
              "base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight",
              "base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight",
              "base_model.model.model.layers.0.mlp.down_proj.lora_A.weight",
              "base_model.model.model.layers.0.mlp.down_proj.lora_B.weight",
              "base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight",
              "base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight",
              "base_model.model.model.layers.1.self_attn.v_proj.lora_A.weight",
              "base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight",
              "base_model.model.model.layers.1.mlp.down_proj.lora_A.weight",
              "base_model.model.model.layers.1.mlp.down_proj.lora_B.weight");
      // A is [r, in], B is [out, r]; v_proj has 2 kv heads x 4 = 8 outputs; down_proj reads 32
      assertThat(
              st.tensors()
                  .get("base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight")
                  .shape())
          .containsExactly(4, 16);
      assertThat(
              st.tensors()
                  .get("base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight")
                  .shape())
          .containsExactly(8, 4);
      assertThat(
              st.tensors()
                  .get("base_model.model.model.layers.0.mlp.down_proj.lora_A.weight")
                  .shape())
          .containsExactly(4, 32);

      JsonObject cfg =
          JsonParser.parseString(Files.readString(dir.resolve("adapter_config.json")))
              .getAsJsonObject();
      assertThat(cfg.get("peft_type").getAsString()).isEqualTo("LORA");
      assertThat(cfg.get("task_type").getAsString()).isEqualTo("CAUSAL_LM");
      assertThat(cfg.get("r").getAsInt()).isEqualTo(4);
      assertThat(cfg.get("lora_alpha").getAsInt()).isEqualTo(16);
      assertThat(cfg.get("lora_dropout").getAsDouble()).isEqualTo(0.05);
      assertThat(cfg.get("bias").getAsString()).isEqualTo("none");
      assertThat(cfg.get("base_model_name_or_path").getAsString()).isEqualTo("tiny");
      assertThat(cfg.getAsJsonArray("target_modules").toString())
          .isEqualTo("[\"q_proj\",\"v_proj\",\"down_proj\"]");

      try (LoraAdapter loaded =
          LoraAdapter.load(dir, model.config(), model.manager(), DataType.FLOAT32)) {
        assertThat(loaded.config()).isEqualTo(adapter.config());
        List<LoraParameter> a = adapter.parameters();
        List<LoraParameter> b = loaded.parameters();
        assertThat(b).hasSize(a.size());
        for (int i = 0; i < a.size(); i++) {
          assertThat(b.get(i).name()).isEqualTo(a.get(i).name());
          assertThat(bits(b.get(i).array())).containsExactly(bits(a.get(i).array()));
        }
        assertThat(model.score(batch(), loaded).get(0).sum())
            .isEqualTo(model.score(batch(), adapter).get(0).sum());
      }
    }
  }

  @Test
  void loadingRejectsAShapeThatDoesNotMatchTheModel() throws Exception {
    try (CausalLM model = TinyModels.random(TinyModels.llama(), 1);
        LoraAdapter adapter =
            LoraAdapter.create(
                model.config(),
                LoraConfig.of(4, 8, 0, List.of("q_proj")),
                model.manager(),
                DataType.FLOAT32,
                3)) {
      Path dir = tmp.resolve("bad");
      adapter.save(dir);
      // declare another rank than the tensors have
      String cfg =
          Files.readString(dir.resolve("adapter_config.json")).replace("\"r\": 4", "\"r\": 2");
      Files.writeString(dir.resolve("adapter_config.json"), cfg);
      assertThatThrownBy(
              () -> LoraAdapter.load(dir, model.config(), model.manager(), DataType.FLOAT32))
          .isInstanceOf(ModelLoadException.class)
          .hasMessageContaining("adapter_model.safetensors")
          .hasMessageContaining("r=2");
      Files.delete(dir.resolve("adapter_config.json"));
      assertThatThrownBy(
              () -> LoraAdapter.load(dir, model.config(), model.manager(), DataType.FLOAT32))
          .isInstanceOf(ModelLoadException.class)
          .hasMessageContaining("adapter_config.json");
    }
  }

  @Test
  void mergedExportComputesWhatTheAdapterComputes() throws Exception {
    try (CausalLM model = TinyModels.random(TinyModels.qwen2Tied(), 1);
        LoraAdapter adapter =
            LoraAdapter.create(
                model.config(),
                LoraConfig.of(4, 8, 0, ALL),
                model.manager(),
                DataType.FLOAT32,
                3)) {
      perturb(adapter, 11);
      Path out = tmp.resolve("merged");
      LoraMerge.mergeAndSave(model, adapter, null, out, "F32");
      assertThat(SafeTensors.open(out.resolve("model.safetensors")).tensors())
          .doesNotContainKey("lm_head.weight");
      try (CausalLM merged = CausalLM.load(out, model.device(), DataType.FLOAT32)) {
        List<CausalLM.Score> viaAdapter = model.score(batch(), adapter);
        List<CausalLM.Score> viaMerge = merged.score(batch(), null);
        for (int i = 0; i < viaAdapter.size(); i++) {
          assertThat(viaMerge.get(i).sum()).isCloseTo(viaAdapter.get(i).sum(), within(1e-4));
        }
      }
    }
  }

  @Test
  void peftAdapterWithRegexTargetsAndRsloraLoads() throws Exception {
    try (CausalLM model = TinyModels.random(TinyModels.llama(), 1);
        NDManager m = model.manager().newSubManager()) {
      Path dir = tmp.resolve("peft");
      Files.createDirectories(dir);
      Files.writeString(
          dir.resolve("adapter_config.json"),
          "{\"peft_type\":\"LORA\",\"r\":2,\"lora_alpha\":4,"
              + "\"target_modules\":\".*\\\\.(q_proj|v_proj)\",\"use_rslora\":true,\"bias\":\"none\"}");
      Map<String, NDArray> t = new java.util.LinkedHashMap<>();
      for (int layer = 0; layer < 2; layer++) {
        t.put(
            "base_model.model.model.layers." + layer + ".self_attn.q_proj.lora_A.weight",
            m.ones(new ai.djl.ndarray.types.Shape(2, 16)));
        t.put(
            "base_model.model.model.layers." + layer + ".self_attn.q_proj.lora_B.weight",
            m.ones(new ai.djl.ndarray.types.Shape(16, 2)));
      }
      SafeTensors.write(dir.resolve("adapter_model.safetensors"), t, Map.of(), "BF16");
      try (LoraAdapter a =
          LoraAdapter.load(dir, model.config(), model.manager(), DataType.FLOAT32)) {
        assertThat(a.config().targetModules()).containsExactly("q_proj", "v_proj");
        assertThat(a.scale()).isCloseTo(4 / Math.sqrt(2), within(1e-12));
        assertThat(a.modules()).hasSize(2);
        assertThat(a.factors(1, "v_proj")).isNull();
      }
    }
  }

  @Test
  void regexTargetModulesMustMatchTheWholeModulePathAsInPeft() throws Exception {
    Path fullPath = tmp.resolve("full-path.json");
    Files.writeString(
        fullPath,
        "{\"peft_type\":\"LORA\",\"r\":2,\"lora_alpha\":4,"
            + "\"target_modules\":\"model\\\\.layers\\\\.\\\\d+\\\\.self_attn\\\\.(q_proj|v_proj)\"}");
    assertThat(LoraConfig.read(fullPath).targetModules()).containsExactly("q_proj", "v_proj");

    // "proj" alone is no full match of any module path: PEFT adapts nothing, so loading must refuse
    Path partial = tmp.resolve("partial.json");
    Files.writeString(partial, "{\"peft_type\":\"LORA\",\"r\":2,\"target_modules\":\"proj\"}");
    assertThatThrownBy(() -> LoraConfig.read(partial))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("partial.json")
        .hasMessageContaining("matches no projection");
  }

  @Test
  void theAnnouncedShapeIsTheConfigsShapeBothWays() {
    LoraConfig trained = LoraConfig.of(8, 16, 0.05, List.of("q_proj", "v_proj"));
    LoraSettings settings = trained.toSettings();
    assertThat(settings.getRank()).isEqualTo(8);
    assertThat(settings.getAlpha()).isEqualTo(16.0);
    assertThat(settings.getTargetModules()).containsExactly("q_proj", "v_proj");

    LoraConfig served = LoraConfig.fromSettings(settings);
    // the same shape and scale; dropout acts in training only and does not travel
    assertThat(served).isEqualTo(LoraConfig.of(8, 16, 0, List.of("q_proj", "v_proj")));
    assertThat(served.scale()).isEqualTo(trained.scale());
    assertThat(served.toSettings()).isEqualTo(settings);

    // what the event cannot say is refused rather than lost
    assertThatThrownBy(() -> new LoraConfig(8, 16, 0, List.of("q_proj"), true, null).toSettings())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("rsLoRA");
    assertThatThrownBy(
            () -> LoraConfig.fromSettings(new LoraSettings(8, 16.0, List.of("embed_tokens"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("embed_tokens");
  }

  static int[] bits(NDArray a) {
    float[] f = a.toFloatArray();
    int[] b = new int[f.length];
    for (int i = 0; i < f.length; i++) {
      b[i] = Float.floatToRawIntBits(f[i]);
    }
    return b;
  }
}
