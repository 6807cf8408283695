package dev.feedloop.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.feedloop.model.CausalLM;
import dev.feedloop.model.ModelConfig;
import dev.feedloop.model.NoGrad;
import dev.feedloop.model.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Folds an adapter into the base weights (W + scale·B·A) and writes a plain model directory. */
public final class LoraMerge {

  private static final List<String> COPIED =
      List.of(
          "tokenizer.json",
          "tokenizer_config.json",
          "generation_config.json",
          "special_tokens_map.json",
          "chat_template.jinja");

  private LoraMerge() {}

  /**
   * @param sourceDir the base model's directory, whose tokenizer files are copied (may be null)
   * @param dtype "F32", "BF16" or "F16"
   */
  public static void mergeAndSave(
      CausalLM base, LoraAdapter adapter, Path sourceDir, Path outDir, String dtype)
      throws IOException {
    Files.createDirectories(outDir);
    ModelConfig c = base.config();
    try (NDManager m = base.manager().newSubManager()) {
      Map<String, NDArray> named = new LinkedHashMap<>(base.weights().named(c));
      try (NoGrad ignored = NoGrad.enter()) {
        adapter
            .modules()
            .forEach(
                (path, f) -> {
                  NDArray ba = f.b().matMul(f.a());
                  ba.attach(m); // the product would otherwise stay with the adapter's tensors
                  named.put(
                      path + ".weight", ba.mul(adapter.scale()).add(named.get(path + ".weight")));
                });
      }
      SafeTensors.write(outDir.resolve("model.safetensors"), named, Map.of("format", "pt"), dtype);
    }
    c.write(outDir.resolve("config.json"));
    if (sourceDir != null) {
      for (String f : COPIED) {
        if (Files.exists(sourceDir.resolve(f))) {
          Files.copy(sourceDir.resolve(f), outDir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }
}
