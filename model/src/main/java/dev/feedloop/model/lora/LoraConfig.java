package dev.feedloop.model.lora;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.feedloop.model.ModelLoadException;
import dev.feedloop.model.Weights;
import dev.feedloop.schemas.LoraSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * LoRA hyper-parameters, serialised as PEFT's {@code adapter_config.json}: the one LoRA-shape type
 * of the loop. Its event form is the Avro {@link LoraSettings} of an adapter announcement ({@link
 * #toSettings()}, {@link #fromSettings}).
 *
 * @param r rank of the update B·A
 * @param alpha the update is scaled by alpha / r (alpha / sqrt(r) with rsLoRA)
 * @param dropout dropout on the LoRA branch's input, training only
 * @param targetModules projection names, e.g. q_proj, v_proj: those adapted in at least one layer
 * @param useRslora rank-stabilised scaling
 * @param baseModel {@code base_model_name_or_path}, informational
 * @param modules which projections of which layers are adapted (PEFT's target_modules,
 *     exclude_modules, layers_to_transform); null: {@code targetModules} in every layer
 */
public record LoraConfig(
    int r,
    double alpha,
    double dropout,
    List<String> targetModules,
    boolean useRslora,
    String baseModel,
    ModuleSelection modules) {

  /**
   * Layers probed when a regex or a layer list is read without the model it adapts ({@link
   * #read(Path)}): more than any model this project loads has.
   */
  static final int PROBED_LAYERS = 1024;

  /**
   * init_lora_weights values whose adapters pair with base weights changed at initialisation (PiSSA
   * and OLoRA subtract the initial B·A, CorDA likewise, LoftQ quantizes them, LoRA-GA offsets
   * them): applied to the unchanged base model they compute something else. PEFT writes true
   * instead once such an adapter is converted to apply to the original base model.
   */
  private static final List<String> BASE_CHANGING_INITS =
      List.of("pissa", "olora", "corda", "loftq", "lora_ga");

  /** Keys that change the computation when set (non-null, non-empty, not false). */
  private static final List<String> UNSUPPORTED_WHEN_SET =
      List.of(
          "use_dora", // weight-decomposed LoRA: a learned magnitude vector per module
          "lora_bias", // a bias on lora_B
          "fan_in_fan_out", // transposed base weights (GPT-2 Conv1D)
          "use_qalora", // pooled inputs: other factor shapes and math
          "layer_replication", // a model with repeated layers
          "modules_to_save", // full copies of other modules (lm_head, embeddings)
          "trainable_token_indices", // trained embedding rows
          "target_parameters", // LoRA on raw parameters (MoE experts)
          "alora_invocation_tokens", // activated LoRA: only on tokens after an invocation
          "rank_pattern", // per-module rank
          "alpha_pattern", // per-module alpha
          "monteclora_config", // Monte Carlo sampling in the forward pass
          "use_bdlora", // block-diagonal factors
          "arrow_config", // routing between adapters
          "kasa_config"); // a learned diagonal between B and A

  public LoraConfig {
    targetModules = List.copyOf(targetModules);
    if (modules == null) {
      modules = ModuleSelection.of(targetModules);
    }
    if (r <= 0) {
      throw new IllegalArgumentException("LoRA rank must be positive, got " + r);
    }
    if (dropout < 0 || dropout >= 1) {
      throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + dropout);
    }
    for (String t : targetModules) {
      if (!Weights.PROJECTIONS.contains(t)) {
        throw new IllegalArgumentException(
            "unsupported LoRA target " + t + "; supported: " + Weights.PROJECTIONS);
      }
    }
  }

  /** {@code targetModules} in every layer. */
  public LoraConfig(
      int r,
      double alpha,
      double dropout,
      List<String> targetModules,
      boolean useRslora,
      String baseModel) {
    this(r, alpha, dropout, targetModules, useRslora, baseModel, null);
  }

  public static LoraConfig of(int r, double alpha, double dropout, List<String> targetModules) {
    return new LoraConfig(r, alpha, dropout, targetModules, false, null);
  }

  public LoraConfig withBaseModel(String name) {
    return new LoraConfig(r, alpha, dropout, targetModules, useRslora, name, modules);
  }

  /** Whether this adapter adapts the given projection of layer {@code layer}. */
  public boolean adapts(int layer, String projection) {
    return targetModules.contains(projection) && modules.selects(layer, projection);
  }

  /**
   * The shape an adapter announcement carries (rank, alpha, target modules). Dropout is left out:
   * it acts in training only.
   *
   * @throws IllegalStateException for rsLoRA, whose alpha / sqrt(r) scaling the event cannot say,
   *     and for a selection other than the target modules in every layer
   */
  public LoraSettings toSettings() {
    if (useRslora) {
      throw new IllegalStateException(
          "an rsLoRA adapter cannot be announced: LoraSettings has no use_rslora field");
    }
    if (!modules.isEveryLayerOf(targetModules)) {
      throw new IllegalStateException(
          "an adapter of selected layers or modules ("
              + modules
              + ") cannot be announced: LoraSettings names target modules only");
    }
    return LoraSettings.newBuilder()
        .setRank(r)
        .setAlpha(alpha)
        .setTargetModules(targetModules)
        .build();
  }

  /**
   * The config of an announced adapter, for serving it: no dropout, alpha / r scaling, no base
   * model name.
   */
  public static LoraConfig fromSettings(LoraSettings settings) {
    return of(settings.getRank(), settings.getAlpha(), 0, settings.getTargetModules());
  }

  public double scale() {
    return useRslora ? alpha / Math.sqrt(r) : alpha / r;
  }

  public JsonObject toPeftJson() {
    JsonObject o = new JsonObject();
    o.addProperty("peft_type", "LORA");
    o.addProperty("task_type", "CAUSAL_LM");
    o.addProperty("r", r);
    o.addProperty("lora_alpha", alpha == Math.rint(alpha) ? (Number) (long) alpha : (Number) alpha);
    o.addProperty("lora_dropout", dropout);
    if (modules.targetRegex() != null) {
      o.addProperty("target_modules", modules.targetRegex());
    } else {
      o.add("target_modules", strings(modules.targetNames()));
    }
    if (modules.excludeRegex() != null) {
      o.addProperty("exclude_modules", modules.excludeRegex());
    } else if (!modules.excludeNames().isEmpty()) {
      o.add("exclude_modules", strings(modules.excludeNames()));
    } else {
      o.add("exclude_modules", JsonNull.INSTANCE);
    }
    o.addProperty("bias", "none");
    if (baseModel == null) {
      o.add("base_model_name_or_path", JsonNull.INSTANCE);
    } else {
      o.addProperty("base_model_name_or_path", baseModel);
    }
    o.addProperty("fan_in_fan_out", false);
    o.addProperty("inference_mode", true);
    o.addProperty("init_lora_weights", true);
    o.addProperty("use_rslora", useRslora);
    o.addProperty("use_dora", false);
    o.addProperty("lora_bias", false);
    o.add("modules_to_save", JsonNull.INSTANCE);
    if (modules.layers().isEmpty()) {
      o.add("layers_to_transform", JsonNull.INSTANCE);
    } else {
      JsonArray layers = new JsonArray();
      modules.layers().forEach(layers::add);
      o.add("layers_to_transform", layers);
    }
    o.add(
        "layers_pattern",
        modules.layersPattern().isEmpty() ? JsonNull.INSTANCE : strings(modules.layersPattern()));
    o.add("rank_pattern", new JsonObject());
    o.add("alpha_pattern", new JsonObject());
    return o;
  }

  private static JsonArray strings(List<String> values) {
    JsonArray array = new JsonArray();
    values.forEach(array::add);
    return array;
  }

  public void write(Path file) throws IOException {
    Files.writeString(file, new GsonBuilder().setPrettyPrinting().create().toJson(toPeftJson()));
  }

  /**
   * Reads PEFT's adapter_config.json without the model it adapts ({@link #PROBED_LAYERS} layers are
   * probed for a regex or layer list), refusing the options this implementation does not compute.
   */
  public static LoraConfig read(Path file) throws IOException {
    return read(file, PROBED_LAYERS);
  }

  /**
   * Reads PEFT's adapter_config.json for a model of {@code numLayers} layers, as today's peft
   * writes it (use_rslora, a regex or a list of names in target_modules, exclude_modules,
   * layers_to_transform, null or absent modules_to_save, the many keys of options left off), and
   * refuses, naming the key and the file, every option that changes the computation and that this
   * implementation does not compute.
   */
  public static LoraConfig read(Path file, int numLayers) throws IOException {
    JsonObject o;
    try {
      o = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    } catch (NoSuchFileException e) {
      throw new ModelLoadException(
          file + ": file not found (a PEFT adapter directory needs adapter_config.json)");
    } catch (RuntimeException e) {
      throw new ModelLoadException(file + ": not a JSON object: " + e.getMessage());
    }
    String type = o.has("peft_type") ? o.get("peft_type").getAsString() : null;
    if (!"LORA".equals(type)) {
      throw new ModelLoadException(file + ": peft_type is " + type + ", only LORA is supported");
    }
    if (isSet(o.get("bias")) && !"none".equals(o.get("bias").getAsString())) {
      throw new ModelLoadException(
          file + ": bias \"" + o.get("bias").getAsString() + "\" is not supported (only none)");
    }
    for (String key : UNSUPPORTED_WHEN_SET) {
      if (isSet(o.get(key))) {
        throw new ModelLoadException(
            file + ": " + key + "=" + o.get(key) + " is not supported (this key changes the math)");
      }
    }
    JsonElement init = o.get("init_lora_weights");
    if (init != null && init.isJsonPrimitive() && init.getAsJsonPrimitive().isString()) {
      String method = init.getAsString().toLowerCase(java.util.Locale.ROOT);
      if (BASE_CHANGING_INITS.stream().anyMatch(method::startsWith)) {
        throw new ModelLoadException(
            file
                + ": init_lora_weights=\""
                + init.getAsString()
                + "\" is not supported: such an adapter applies to base weights changed at its"
                + " initialisation (save it with path_initial_model_for_weight_conversion to get one"
                + " for the original model)");
      }
    }
    ModuleSelection modules = selection(file, o);
    List<String> targets = new ArrayList<>();
    for (String p : Weights.PROJECTIONS) {
      for (int layer = 0; layer < numLayers; layer++) {
        if (modules.selects(layer, p)) {
          targets.add(p);
          break;
        }
      }
    }
    if (targets.isEmpty()) {
      throw new ModelLoadException(
          file
              + ": target_modules "
              + o.get("target_modules")
              + " (with exclude_modules / layers_to_transform) matches no projection path such as "
              + Weights.modulePath(0, "q_proj")
              + " of a "
              + numLayers
              + "-layer model");
    }
    try {
      return new LoraConfig(
          o.get("r").getAsInt(),
          o.has("lora_alpha") ? o.get("lora_alpha").getAsDouble() : 8,
          isSet(o.get("lora_dropout")) ? o.get("lora_dropout").getAsDouble() : 0,
          targets,
          isSet(o.get("use_rslora")) && o.get("use_rslora").getAsBoolean(),
          isSet(o.get("base_model_name_or_path"))
              ? o.get("base_model_name_or_path").getAsString()
              : null,
          modules);
    } catch (IllegalArgumentException | NullPointerException | UnsupportedOperationException e) {
      throw new ModelLoadException(file + ": " + e.getMessage());
    }
  }

  /** Present with a value that does something: not null, false, empty or "". */
  private static boolean isSet(JsonElement value) {
    if (value == null || value.isJsonNull()) {
      return false;
    }
    if (value.isJsonArray()) {
      return !value.getAsJsonArray().isEmpty();
    }
    if (value.isJsonObject()) {
      return value.getAsJsonObject().size() > 0;
    }
    JsonPrimitive p = value.getAsJsonPrimitive();
    if (p.isBoolean()) {
      return p.getAsBoolean();
    }
    return !p.isString() || !p.getAsString().isEmpty();
  }

  /** target_modules, exclude_modules, layers_to_transform and layers_pattern, checked. */
  private static ModuleSelection selection(Path file, JsonObject o) {
    ModuleSelection.Builder selection = ModuleSelection.builder();
    JsonElement targets = o.get("target_modules");
    if (targets == null || targets.isJsonNull()) {
      throw new ModelLoadException(file + ": missing target_modules");
    }
    if (targets.isJsonArray()) {
      List<String> names = stringList(file, "target_modules", targets);
      for (String name : names) {
        if (!namesAProjection(name)) {
          throw new ModelLoadException(
              file
                  + ": target_modules entry \""
                  + name
                  + "\" names no module LoRA can adapt here (projections: "
                  + Weights.PROJECTIONS
                  + ")");
        }
      }
      selection.targetNames(names);
    } else if (targets.getAsString().equalsIgnoreCase("all-linear")) {
      // PEFT's shorthand for every linear layer but the output head: all the projections
      selection.targetNames(Weights.PROJECTIONS);
    } else {
      // PEFT also accepts a regex that must match a module's whole path (re.fullmatch), e.g.
      // "model\\.layers\\.\\d+\\.self_attn\\.(q_proj|v_proj)"
      selection.targetRegex(regex(file, "target_modules", targets.getAsString()));
    }
    JsonElement exclude = o.get("exclude_modules");
    if (isSet(exclude)) {
      if (exclude.isJsonArray()) {
        selection.excludeNames(stringList(file, "exclude_modules", exclude));
      } else {
        selection.excludeRegex(regex(file, "exclude_modules", exclude.getAsString()));
      }
    }
    JsonElement layers = o.get("layers_to_transform");
    if (layers != null && !layers.isJsonNull()) {
      if (!targets.isJsonArray()) {
        // PEFT ignores it then; say so rather than seem to honour it
        throw new ModelLoadException(
            file
                + ": layers_to_transform with a regex target_modules is ignored by PEFT; remove it");
      }
      List<Integer> indices = new ArrayList<>();
      try {
        if (layers.isJsonArray()) {
          layers.getAsJsonArray().forEach(e -> indices.add(e.getAsInt()));
        } else {
          indices.add(layers.getAsInt());
        }
      } catch (RuntimeException e) {
        throw new ModelLoadException(
            file + ": layers_to_transform must be a layer index or a list of them, got " + layers);
      }
      selection.layers(indices);
    }
    JsonElement pattern = o.get("layers_pattern");
    if (isSet(pattern)) {
      selection.layersPattern(
          pattern.isJsonArray()
              ? stringList(file, "layers_pattern", pattern)
              : List.of(pattern.getAsString()));
    }
    try {
      return selection.build();
    } catch (IllegalArgumentException e) {
      throw new ModelLoadException(file + ": " + e.getMessage());
    }
  }

  /** Whether a target_modules name selects one of the projections, as a path or path suffix. */
  private static boolean namesAProjection(String name) {
    ModuleSelection byName = ModuleSelection.of(List.of(name));
    for (String p : Weights.PROJECTIONS) {
      for (int layer = 0; layer < PROBED_LAYERS; layer++) {
        if (byName.selects(layer, p)) {
          return true;
        }
      }
    }
    return false;
  }

  private static List<String> stringList(Path file, String key, JsonElement array) {
    List<String> values = new ArrayList<>();
    for (JsonElement e : array.getAsJsonArray()) {
      if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
        throw new ModelLoadException(file + ": " + key + " holds " + e + ", not a name");
      }
      values.add(e.getAsString());
    }
    return values;
  }

  private static String regex(Path file, String key, String regex) {
    try {
      Pattern.compile(regex);
      return regex;
    } catch (PatternSyntaxException e) {
      throw new ModelLoadException(
          file
              + ": "
              + key
              + " regex \""
              + regex
              + "\" cannot be matched here: "
              + e.getDescription());
    }
  }
}
