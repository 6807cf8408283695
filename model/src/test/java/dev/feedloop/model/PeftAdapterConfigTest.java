package dev.feedloop.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.feedloop.model.io.SafeTensors;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.model.lora.LoraConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * adapter_config.json as today's peft writes it: every LoraConfig field, most of them null, false
 * or empty; use_rslora; target_modules as a set (any order) or a regex; exclude_modules;
 * layers_to_transform. What loads must select exactly the modules PEFT adapts; what changes the
 * math and is not computed here is refused, naming the key and the file.
 */
class PeftAdapterConfigTest {

  @TempDir Path tmp;

  /** The keys and defaults of peft 0.17/0.18's LoraConfig.save_pretrained, for a CAUSAL_LM. */
  private static JsonObject todaysPeftConfig() {
    JsonObject o = new JsonObject();
    o.add("alora_invocation_tokens", JsonNull.INSTANCE);
    o.add("alpha_pattern", new JsonObject());
    o.add("arrow_config", JsonNull.INSTANCE);
    o.add("auto_mapping", JsonNull.INSTANCE);
    o.addProperty("base_model_name_or_path", "tiny-random-llama");
    o.addProperty("bias", "none");
    o.add("corda_config", JsonNull.INSTANCE);
    o.addProperty("ensure_weight_tying", false);
    o.add("eva_config", JsonNull.INSTANCE);
    o.add("exclude_modules", JsonNull.INSTANCE);
    o.addProperty("fan_in_fan_out", false);
    o.addProperty("inference_mode", true);
    o.addProperty("init_lora_weights", true);
    o.add("layer_replication", JsonNull.INSTANCE);
    o.add("layers_pattern", JsonNull.INSTANCE);
    o.add("layers_to_transform", JsonNull.INSTANCE);
    o.add("loftq_config", new JsonObject());
    o.addProperty("lora_alpha", 16);
    o.addProperty("lora_bias", false);
    o.addProperty("lora_dropout", 0.05);
    o.add("megatron_config", JsonNull.INSTANCE);
    o.addProperty("megatron_core", "megatron.core");
    o.add("modules_to_save", JsonNull.INSTANCE);
    o.addProperty("peft_type", "LORA");
    o.addProperty("peft_version", "0.18.0");
    o.addProperty("qalora_group_size", 16);
    o.addProperty("r", 4);
    o.add("rank_pattern", new JsonObject());
    o.add("revision", JsonNull.INSTANCE);
    JsonArray targets = new JsonArray();
    List.of("v_proj", "down_proj", "q_proj").forEach(targets::add); // a Python set: any order
    o.add("target_modules", targets);
    o.add("target_parameters", JsonNull.INSTANCE);
    o.addProperty("task_type", "CAUSAL_LM");
    o.add("trainable_token_indices", JsonNull.INSTANCE);
    o.addProperty("use_dora", false);
    o.addProperty("use_qalora", false);
    o.addProperty("use_rslora", true);
    return o;
  }

  /** Writes the config and lora_A / lora_B tensors of rank 4 for the given module paths. */
  private Path adapter(String name, JsonObject config, CausalLM model, List<String> modulePaths)
      throws Exception {
    Path dir = tmp.resolve(name);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(LoraAdapter.ADAPTER_CONFIG), config.toString());
    try (NDManager m = model.manager().newSubManager()) {
      Map<String, NDArray> tensors = new LinkedHashMap<>();
      for (String path : modulePaths) {
        String projection = path.substring(path.lastIndexOf('.') + 1);
        long[] shape = Weights.projectionShape(model.config(), projection);
        tensors.put(
            "base_model.model." + path + ".lora_A.weight",
            m.randomNormal(new Shape(4, shape[1])).mul(0.1));
        tensors.put(
            "base_model.model." + path + ".lora_B.weight",
            m.randomNormal(new Shape(shape[0], 4)).mul(0.1));
      }
      SafeTensors.write(
          dir.resolve(LoraAdapter.ADAPTER_WEIGHTS), tensors, Map.of("format", "pt"), "F32");
    }
    return dir;
  }

  private static JsonObject with(Consumer<JsonObject> change) {
    JsonObject o = todaysPeftConfig();
    change.accept(o);
    return o;
  }

  @Test
  void anAdapterAsTodaysPeftWritesItLoadsWithRsloraScaling() throws Exception {
    try (CausalLM model = TinyModels.random(TinyModels.llama(), 1)) {
      List<String> adapted =
          List.of(
              Weights.modulePath(0, "q_proj"),
              Weights.modulePath(0, "v_proj"),
              Weights.modulePath(0, "down_proj"),
              Weights.modulePath(1, "q_proj"),
              Weights.modulePath(1, "v_proj"),
              Weights.modulePath(1, "down_proj"));
      Path dir = adapter("today", todaysPeftConfig(), model, adapted);
      try (LoraAdapter a =
          LoraAdapter.load(dir, model.config(), model.manager(), DataType.FLOAT32)) {
        LoraConfig c = a.config();
        assertThat(c.targetModules()).containsExactly("q_proj", "v_proj", "down_proj");
        assertThat(c.useRslora()).isTrue();
        assertThat(a.scale()).isCloseTo(16 / Math.sqrt(4), within(1e-12));
        assertThat(c.dropout()).isEqualTo(0.05);
        assertThat(c.baseModel()).isEqualTo("tiny-random-llama");
        assertThat(a.modules().keySet()).containsExactlyInAnyOrderElementsOf(adapted);
      }
    }
  }

  @Test
  void excludeModulesAndLayersToTransformSelectWhatPeftSelects() throws Exception {
    try (CausalLM model = TinyModels.random(TinyModels.llama(), 1)) {
      // exclude_modules as a list of names (suffixes): layer 1's down_proj only
      JsonObject excludeList =
          with(
              o -> {
                JsonArray exclude = new JsonArray();
                exclude.add("layers.1.mlp.down_proj");
                o.add("exclude_modules", exclude);
              });
      // exclude_modules as a regex over whole paths: every module of layer 1
      JsonObject excludeRegex =
          with(o -> o.addProperty("exclude_modules", "model\\.layers\\.1\\..*"));
      // layers_to_transform with a target list: layer 0 only
      JsonObject layerZero =
          with(
              o -> {
                o.addProperty("layers_to_transform", 0);
                o.addProperty("layers_pattern", "layers");
              });
      String down1 = Weights.modulePath(1, "down_proj");
      String q1 = Weights.modulePath(1, "q_proj");
      String q0 = Weights.modulePath(0, "q_proj");
      record Case(String name, JsonObject config, List<String> selected, String notSelected) {}
      for (Case c :
          List.of(
              new Case("exclude-list", excludeList, List.of(q0, q1), down1),
              new Case("exclude-regex", excludeRegex, List.of(q0), q1),
              new Case("layer-zero", layerZero, List.of(q0), q1))) {
        Path ok = adapter(c.name(), c.config(), model, c.selected());
        try (LoraAdapter a =
            LoraAdapter.load(ok, model.config(), model.manager(), DataType.FLOAT32)) {
          assertThat(a.modules().keySet()).as(c.name()).containsExactlyElementsOf(c.selected());
          String notSelected = c.notSelected();
          int layer = notSelected.contains(".1.") ? 1 : 0;
          String projection = notSelected.substring(notSelected.lastIndexOf('.') + 1);
          assertThat(a.config().adapts(layer, projection)).as(c.name()).isFalse();
          // saved in PEFT's layout again, the selection survives
          Path again = tmp.resolve(c.name() + "-again");
          a.save(again);
          JsonObject saved =
              JsonParser.parseString(Files.readString(again.resolve(LoraAdapter.ADAPTER_CONFIG)))
                  .getAsJsonObject();
          for (String key : List.of("exclude_modules", "layers_to_transform")) {
            JsonElement written = c.config().get(key);
            if (written.isJsonPrimitive() && written.getAsJsonPrimitive().isNumber()) {
              JsonArray single = new JsonArray();
              single.add(written);
              written = single;
            }
            JsonElement savedValue = saved.has(key) ? saved.get(key) : JsonNull.INSTANCE;
            assertThat(savedValue).as(c.name() + " " + key).isEqualTo(written);
          }
          assertThat(LoraConfig.read(again.resolve(LoraAdapter.ADAPTER_CONFIG), 2))
              .isEqualTo(a.config());
        }
        // a tensor for a module the config does not select: PEFT would drop it, we refuse
        List<String> withExtra = new java.util.ArrayList<>(c.selected());
        withExtra.add(c.notSelected());
        Path extra = adapter(c.name() + "-extra", c.config(), model, withExtra);
        assertThatThrownBy(
                () -> LoraAdapter.load(extra, model.config(), model.manager(), DataType.FLOAT32))
            .as(c.name())
            .isInstanceOf(ModelLoadException.class)
            .hasMessageContaining(c.notSelected())
            .hasMessageContaining("does not select");
      }
    }
  }

  @Test
  void whatChangesTheMathIsRefusedNamingTheKeyAndTheFile() throws Exception {
    Map<String, JsonObject> refused = new LinkedHashMap<>();
    refused.put("use_dora", with(o -> o.addProperty("use_dora", true)));
    refused.put("lora_bias", with(o -> o.addProperty("lora_bias", true)));
    refused.put(
        "layer_replication",
        with(o -> o.add("layer_replication", JsonParser.parseString("[[0, 2], [1, 2]]"))));
    refused.put(
        "modules_to_save",
        with(o -> o.add("modules_to_save", JsonParser.parseString("[\"lm_head\"]"))));
    refused.put(
        "trainable_token_indices",
        with(o -> o.add("trainable_token_indices", JsonParser.parseString("[5, 6]"))));
    refused.put(
        "alora_invocation_tokens",
        with(o -> o.add("alora_invocation_tokens", JsonParser.parseString("[7]"))));
    refused.put(
        "rank_pattern",
        with(o -> o.add("rank_pattern", JsonParser.parseString("{\"q_proj\": 8}"))));
    refused.put(
        "init_lora_weights", with(o -> o.addProperty("init_lora_weights", "pissa_niter_4")));
    refused.put("bias", with(o -> o.addProperty("bias", "lora_only")));
    // a target we cannot adapt (the output head)
    refused.put(
        "target_modules",
        with(o -> o.add("target_modules", JsonParser.parseString("[\"q_proj\", \"lm_head\"]"))));
    // Python-only regex syntax (a named group) that Java cannot match the same way
    refused.put(
        "exclude_modules", with(o -> o.addProperty("exclude_modules", "(?P<attn>.*q_proj)")));
    for (Map.Entry<String, JsonObject> e : refused.entrySet()) {
      Path file = tmp.resolve(e.getKey() + ".json");
      Files.writeString(file, e.getValue().toString());
      assertThatThrownBy(() -> LoraConfig.read(file, 2))
          .as(e.getKey())
          .isInstanceOf(ModelLoadException.class)
          .hasMessageContaining(file.toString())
          .hasMessageContaining(e.getKey());
    }
  }

  @Test
  void nullOrAbsentOptionalKeysReadAsTheirDefaults() throws Exception {
    JsonObject minimal = new JsonObject();
    minimal.addProperty("peft_type", "LORA");
    minimal.addProperty("r", 2);
    minimal.addProperty("target_modules", "all-linear");
    minimal.add("lora_dropout", JsonNull.INSTANCE);
    minimal.add("use_rslora", JsonNull.INSTANCE);
    Path file = tmp.resolve("minimal.json");
    Files.writeString(file, minimal.toString());
    LoraConfig c = LoraConfig.read(file, 2);
    assertThat(c.targetModules()).containsExactlyElementsOf(Weights.PROJECTIONS);
    assertThat(c.alpha()).isEqualTo(8); // PEFT's default lora_alpha
    assertThat(c.dropout()).isZero();
    assertThat(c.useRslora()).isFalse();
    assertThat(c.toSettings().getTargetModules()).containsExactlyElementsOf(Weights.PROJECTIONS);
  }
}
