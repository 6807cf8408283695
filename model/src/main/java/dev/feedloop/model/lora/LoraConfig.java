package dev.feedloop.model.lora;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.feedloop.model.ModelLoadException;
import dev.feedloop.model.Weights;
import dev.feedloop.schemas.LoraSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * LoRA hyper-parameters, serialised as PEFT's {@code adapter_config.json}: the one LoRA-shape type
 * of the loop. Its event form is the Avro {@link LoraSettings} of an adapter announcement ({@link
 * #toSettings()}, {@link #fromSettings}).
 *
 * @param r rank of the update B·A
 * @param alpha the update is scaled by alpha / r (alpha / sqrt(r) with rsLoRA)
 * @param dropout dropout on the LoRA branch's input, training only
 * @param targetModules projection names, e.g. q_proj, v_proj
 * @param useRslora rank-stabilised scaling
 * @param baseModel {@code base_model_name_or_path}, informational
 */
public record LoraConfig(
    int r,
    double alpha,
    double dropout,
    List<String> targetModules,
    boolean useRslora,
    String baseModel) {

  public LoraConfig {
    targetModules = List.copyOf(targetModules);
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

  public static LoraConfig of(int r, double alpha, double dropout, List<String> targetModules) {
    return new LoraConfig(r, alpha, dropout, targetModules, false, null);
  }

  public LoraConfig withBaseModel(String name) {
    return new LoraConfig(r, alpha, dropout, targetModules, useRslora, name);
  }

  /**
   * The shape an adapter announcement carries (rank, alpha, target modules). Dropout is left out:
   * it acts in training only.
   *
   * @throws IllegalStateException for rsLoRA, whose alpha / sqrt(r) scaling the event cannot say
   */
  public LoraSettings toSettings() {
    if (useRslora) {
      throw new IllegalStateException(
          "an rsLoRA adapter cannot be announced: LoraSettings has no use_rslora field");
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
    JsonArray targets = new JsonArray();
    targetModules.forEach(targets::add);
    o.add("target_modules", targets);
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
    o.add("modules_to_save", JsonNull.INSTANCE);
    o.add("layers_to_transform", JsonNull.INSTANCE);
    o.add("rank_pattern", new JsonObject());
    o.add("alpha_pattern", new JsonObject());
    return o;
  }

  public void write(Path file) throws IOException {
    Files.writeString(file, new GsonBuilder().setPrettyPrinting().create().toJson(toPeftJson()));
  }

  /**
   * Reads PEFT's adapter_config.json, refusing the options this implementation does not compute.
   */
  public static LoraConfig read(Path file) throws IOException {
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
    if (o.has("bias") && !"none".equals(o.get("bias").getAsString())) {
      throw new ModelLoadException(
          file + ": bias \"" + o.get("bias").getAsString() + "\" is not supported (only none)");
    }
    for (String unsupported : List.of("use_dora", "fan_in_fan_out")) {
      if (o.has(unsupported)
          && o.get(unsupported).isJsonPrimitive()
          && o.get(unsupported).getAsBoolean()) {
        throw new ModelLoadException(file + ": " + unsupported + "=true is not supported");
      }
    }
    for (String pattern : List.of("rank_pattern", "alpha_pattern")) {
      if (o.has(pattern)
          && o.get(pattern).isJsonObject()
          && o.getAsJsonObject(pattern).size() > 0) {
        throw new ModelLoadException(file + ": per-module " + pattern + " is not supported");
      }
    }
    if (o.has("modules_to_save")
        && o.get("modules_to_save").isJsonArray()
        && o.getAsJsonArray("modules_to_save").size() > 0) {
      throw new ModelLoadException(file + ": modules_to_save is not supported");
    }
    List<String> targets = new ArrayList<>();
    JsonElement t = o.get("target_modules");
    if (t == null || t.isJsonNull()) {
      throw new ModelLoadException(file + ": missing target_modules");
    }
    if (t.isJsonArray()) {
      for (JsonElement e : t.getAsJsonArray()) {
        targets.add(e.getAsString());
      }
    } else {
      // PEFT also accepts a regex that must match a module's whole path (re.fullmatch), e.g.
      // "model\\.layers\\.\\d+\\.self_attn\\.(q_proj|v_proj)"
      String regex = t.getAsString();
      for (String p : Weights.PROJECTIONS) {
        if (Weights.modulePath(0, p).matches(regex)) {
          targets.add(p);
        }
      }
      if (targets.isEmpty()) {
        throw new ModelLoadException(
            file
                + ": target_modules regex \""
                + regex
                + "\" matches no projection path such as "
                + Weights.modulePath(0, "q_proj"));
      }
    }
    try {
      return new LoraConfig(
          o.get("r").getAsInt(),
          o.has("lora_alpha") ? o.get("lora_alpha").getAsDouble() : 8,
          o.has("lora_dropout") ? o.get("lora_dropout").getAsDouble() : 0,
          targets,
          o.has("use_rslora") && o.get("use_rslora").getAsBoolean(),
          o.has("base_model_name_or_path") && !o.get("base_model_name_or_path").isJsonNull()
              ? o.get("base_model_name_or_path").getAsString()
              : null);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new ModelLoadException(file + ": " + e.getMessage());
    }
  }
}
