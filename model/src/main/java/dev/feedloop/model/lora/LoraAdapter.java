package dev.feedloop.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.feedloop.model.ModelConfig;
import dev.feedloop.model.ModelLoadException;
import dev.feedloop.model.Weights;
import dev.feedloop.model.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A set of LoRA updates W + scale·B·A, one per adapted projection. The set of tensors is fixed at
 * construction and the object is handed to each forward call, so a server can swap adapters by
 * swapping a reference: a request keeps the adapter it started with. The tensors themselves are
 * updated in place only by a trainer that owns the adapter (see {@link #parameters()}).
 */
public final class LoraAdapter implements AutoCloseable {

  /** The low-rank factors of one projection: A is [r, in], B is [out, r], as PEFT stores them. */
  public record Factors(NDArray a, NDArray b) {}

  public static final String ADAPTER_CONFIG = "adapter_config.json";
  public static final String ADAPTER_WEIGHTS = "adapter_model.safetensors";
  private static final String PEFT_PREFIX = "base_model.model.";
  private static final Pattern PEFT_NAME =
      Pattern.compile(
          "base_model\\.model\\.(model\\.layers\\.(\\d+)\\.(self_attn|mlp)\\.(\\w+))\\.lora_([AB])\\.weight");

  private final LoraConfig config;
  private final NDManager manager;
  private final Map<String, Factors>
      modules; // by HF module path, e.g. model.layers.0.self_attn.q_proj

  private LoraAdapter(LoraConfig config, NDManager manager, Map<String, Factors> modules) {
    this.config = config;
    this.manager = manager;
    this.modules = Collections.unmodifiableMap(modules);
  }

  /**
   * A fresh adapter initialised like PEFT: A ~ U(-1/sqrt(in), 1/sqrt(in)) (kaiming-uniform with a =
   * sqrt 5) and B = 0, so the adapted model starts out equal to the base model.
   */
  public static LoraAdapter create(
      ModelConfig model, LoraConfig config, NDManager parent, DataType dtype, long seed) {
    NDManager m = parent.newSubManager();
    Random rnd = new Random(seed);
    Map<String, Factors> modules = new LinkedHashMap<>();
    for (int layer = 0; layer < model.numLayers(); layer++) {
      for (String p : Weights.PROJECTIONS) {
        if (!config.adapts(layer, p)) {
          continue;
        }
        long[] shape = Weights.projectionShape(model, p);
        int out = (int) shape[0];
        int in = (int) shape[1];
        float bound = (float) (1 / Math.sqrt(in));
        float[] a = new float[config.r() * in];
        for (int i = 0; i < a.length; i++) {
          a[i] = (rnd.nextFloat() * 2 - 1) * bound;
        }
        modules.put(
            Weights.modulePath(layer, p),
            new Factors(
                typed(m.create(a, new Shape(config.r(), in)), dtype),
                m.zeros(new Shape(out, config.r()), dtype)));
      }
    }
    return new LoraAdapter(config, m, modules);
  }

  private static NDArray typed(NDArray a, DataType dtype) {
    if (a.getDataType() == dtype) {
      return a;
    }
    NDArray t = a.toType(dtype, false);
    a.close();
    return t;
  }

  public LoraConfig config() {
    return config;
  }

  public double scale() {
    return config.scale();
  }

  /** The factors of a projection, or null when it is not adapted. */
  public Factors factors(int layer, String projection) {
    return modules.get(Weights.modulePath(layer, projection));
  }

  public Map<String, Factors> modules() {
    return modules;
  }

  /** The trainable tensors in a stable order, named as PEFT names them. */
  public List<LoraParameter> parameters() {
    List<LoraParameter> out = new ArrayList<>();
    modules.forEach(
        (path, f) -> {
          out.add(new LoraParameter(PEFT_PREFIX + path + ".lora_A.weight", f.a()));
          out.add(new LoraParameter(PEFT_PREFIX + path + ".lora_B.weight", f.b()));
        });
    return out;
  }

  /** Marks every tensor as requiring gradients (a trainer's adapter) or not (a served one). */
  public LoraAdapter trainable(boolean trainable) {
    parameters().forEach(p -> p.array().setRequiresGradient(trainable));
    return this;
  }

  public void zeroGradients() {
    parameters().forEach(LoraParameter::zeroGradient);
  }

  /**
   * A deep copy that shares nothing with this adapter and requires no gradients (e.g. a frozen
   * reference).
   */
  public LoraAdapter copy(NDManager parent) {
    NDManager m = parent.newSubManager();
    Map<String, Factors> copies = new LinkedHashMap<>();
    modules.forEach(
        (path, f) -> copies.put(path, new Factors(detachedCopy(f.a(), m), detachedCopy(f.b(), m))));
    return new LoraAdapter(config, m, copies);
  }

  private static NDArray detachedCopy(NDArray a, NDManager m) {
    NDArray c = m.create(a.toByteBuffer(), a.getShape(), a.getDataType());
    return c;
  }

  /**
   * True when no tensor holds NaN or infinity (for a server to check before swapping an adapter
   * in).
   */
  public boolean allFinite() {
    for (LoraParameter p : parameters()) {
      for (float v : p.array().toType(DataType.FLOAT32, false).toFloatArray()) {
        if (!Float.isFinite(v)) {
          return false;
        }
      }
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // PEFT layout

  /**
   * Writes {@code adapter_config.json} and {@code adapter_model.safetensors} (float32) into {@code
   * dir}.
   */
  public void save(Path dir) throws IOException {
    Files.createDirectories(dir);
    config.write(dir.resolve(ADAPTER_CONFIG));
    SafeTensors.write(dir.resolve(ADAPTER_WEIGHTS), tensors(), Map.of("format", "pt"), "F32");
  }

  /**
   * The bytes {@link #save} writes to {@code adapter_model.safetensors} (float32, PEFT's tensor
   * names): what an adapter announcement's checksum covers and what travels through Kafka.
   */
  public byte[] toSafetensors() {
    return SafeTensors.toBytes(tensors(), Map.of("format", "pt"), "F32");
  }

  private Map<String, NDArray> tensors() {
    Map<String, NDArray> tensors = new LinkedHashMap<>();
    parameters().forEach(p -> tensors.put(p.name(), p.array()));
    return tensors;
  }

  /**
   * Reads {@code adapter_model.safetensors} bytes held in memory, with the same checks as {@link
   * #load}: the config travels beside them (an announcement's LoraSettings, {@link
   * LoraConfig#fromSettings}).
   *
   * @param label names the bytes in error messages
   */
  public static LoraAdapter fromSafetensors(
      byte[] safetensors,
      String label,
      LoraConfig config,
      ModelConfig model,
      NDManager parent,
      DataType dtype)
      throws IOException {
    return read(SafeTensors.of(safetensors, label), label, config, model, parent, dtype);
  }

  /** Loads a PEFT LoRA adapter directory for a model with config {@code model}. */
  public static LoraAdapter load(Path dir, ModelConfig model, NDManager parent, DataType dtype)
      throws IOException {
    LoraConfig config = LoraConfig.read(dir.resolve(ADAPTER_CONFIG), model.numLayers());
    Path weights = dir.resolve(ADAPTER_WEIGHTS);
    if (!Files.exists(weights)) {
      String hint =
          Files.exists(dir.resolve("adapter_model.bin"))
              ? " (adapter_model.bin is a pickle; re-save it with safe_serialization=True)"
              : "";
      throw new ModelLoadException(weights + ": file not found" + hint);
    }
    return read(SafeTensors.open(weights), weights.toString(), config, model, parent, dtype);
  }

  private static LoraAdapter read(
      SafeTensors st,
      String weights,
      LoraConfig config,
      ModelConfig model,
      NDManager parent,
      DataType dtype)
      throws IOException {
    Map<String, String[]> names = new LinkedHashMap<>(); // module path -> {A name, B name}
    for (String name : st.tensors().keySet()) {
      Matcher mt = PEFT_NAME.matcher(name);
      if (!mt.matches()) {
        throw new ModelLoadException(
            weights
                + ": unexpected tensor "
                + name
                + " (expected base_model.model.model.layers.N.{self_attn|mlp}.PROJ.lora_{A|B}.weight)");
      }
      int layer = Integer.parseInt(mt.group(2));
      String proj = mt.group(4);
      if (layer >= model.numLayers()
          || !Weights.PROJECTIONS.contains(proj)
          || !Weights.modulePath(layer, proj).equals(mt.group(1))) {
        throw new ModelLoadException(
            weights
                + ": tensor "
                + name
                + " does not match any projection of a "
                + model.numLayers()
                + "-layer "
                + model.architecture());
      }
      if (!config.adapts(layer, proj)) {
        // PEFT would skip it with a warning about unexpected keys; refuse rather than guess
        throw new ModelLoadException(
            weights
                + ": tensor "
                + name
                + " adapts "
                + mt.group(1)
                + ", which "
                + ADAPTER_CONFIG
                + " does not select (target_modules "
                + config.targetModules()
                + ", "
                + config.modules()
                + ")");
      }
      names.computeIfAbsent(mt.group(1), k -> new String[2])[mt.group(5).equals("A") ? 0 : 1] =
          name;
    }
    NDManager m = parent.newSubManager();
    try {
      Map<String, Factors> modules = new LinkedHashMap<>();
      for (int layer = 0; layer < model.numLayers(); layer++) {
        for (String p : Weights.PROJECTIONS) {
          String path = Weights.modulePath(layer, p);
          String[] ab = names.get(path);
          if (ab == null) {
            continue;
          }
          if (ab[0] == null || ab[1] == null) {
            throw new ModelLoadException(
                weights + ": " + path + " has only one of lora_A / lora_B");
          }
          long[] w = Weights.projectionShape(model, p);
          long[] aShape = st.tensors().get(ab[0]).shape();
          long[] bShape = st.tensors().get(ab[1]).shape();
          if (!Arrays.equals(aShape, new long[] {config.r(), w[1]})
              || !Arrays.equals(bShape, new long[] {w[0], config.r()})) {
            throw new ModelLoadException(
                weights
                    + ": "
                    + path
                    + " has lora_A "
                    + Arrays.toString(aShape)
                    + " and lora_B "
                    + Arrays.toString(bShape)
                    + " but r="
                    + config.r()
                    + " and the projection is [out="
                    + w[0]
                    + ", in="
                    + w[1]
                    + "]");
          }
          modules.put(
              path, new Factors(typed(st.load(m, ab[0]), dtype), typed(st.load(m, ab[1]), dtype)));
        }
      }
      if (modules.isEmpty()) {
        throw new ModelLoadException(weights + ": contains no LoRA tensors");
      }
      return new LoraAdapter(config, m, modules);
    } catch (RuntimeException | IOException e) {
      m.close();
      throw e;
    }
  }

  /** Whether {@link #close()} freed the tensors (then every use of them fails). */
  public boolean isClosed() {
    return !manager.isOpen();
  }

  @Override
  public void close() {
    manager.close();
  }
}
