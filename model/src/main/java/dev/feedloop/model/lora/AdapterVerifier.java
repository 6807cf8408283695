package dev.feedloop.model.lora;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.feedloop.model.ModelConfig;
import dev.feedloop.model.Weights;
import dev.feedloop.model.io.SafeTensors;
import dev.feedloop.schemas.AdapterPublished;
import dev.feedloop.schemas.ContentHash;
import dev.feedloop.schemas.LoraSettings;
import java.io.IOException;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks an announced adapter's safetensors bytes before a server swaps it in, and loads it:
 * checksum, base model fingerprint, LoRA settings (rank and adapted modules as announced), shapes
 * against the base model's config, and values (finite and at most {@link #maxAbsWeight()} in
 * magnitude). Every refusal names its {@link Reason}.
 */
public final class AdapterVerifier {

  /**
   * The largest |value| accepted in a LoRA factor. Trained factors stay far below 1 (A starts
   * within 1/sqrt(in), B at 0, and learning rates are small); a value of 1000 means a diverged or
   * corrupted update that would wreck every answer.
   */
  public static final double DEFAULT_MAX_ABS_WEIGHT = 1_000;

  private static final Pattern PEFT_NAME =
      Pattern.compile(
          "base_model\\.model\\.(model\\.layers\\.(\\d+)\\.(?:self_attn|mlp)\\.(\\w+))\\.lora_([AB])\\.weight");

  /** Why an adapter is refused; {@link #code()} is stable (logs, metrics, the API). */
  public enum Reason {
    /** The bytes' SHA-256 differs from the announcement's checksum. */
    CHECKSUM("checksum"),
    /** Trained on another base model (or the announcement names none). */
    BASE_MODEL("base-model"),
    /** Not a safetensors file, or a tensor dtype that cannot be read. */
    UNREADABLE("unreadable"),
    /** Rank or adapted modules differ from the announcement's LoRA settings. */
    LORA_SETTINGS("lora-settings"),
    /** A tensor does not fit the base model's projections. */
    SHAPES("shapes"),
    /** A value is NaN or infinite. */
    NOT_FINITE("not-finite"),
    /** A value exceeds the magnitude bound. */
    TOO_LARGE("too-large");

    private final String code;

    Reason(String code) {
      this.code = code;
    }

    public String code() {
      return code;
    }
  }

  /** An adapter that must not be served. */
  public static final class RefusedException extends RuntimeException {
    private final Reason reason;

    public RefusedException(Reason reason, String message) {
      super(message);
      this.reason = reason;
    }

    public Reason reason() {
      return reason;
    }
  }

  private final ModelConfig model;
  private final String baseModelFingerprint;
  private final double maxAbsWeight;

  /**
   * @param model the served base model's config
   * @param baseModelFingerprint the served model's {@code LanguageModel.baseModelFingerprint()}
   * @param maxAbsWeight the largest |value| accepted in a factor
   */
  public AdapterVerifier(ModelConfig model, String baseModelFingerprint, double maxAbsWeight) {
    if (!(maxAbsWeight > 0)) {
      throw new IllegalArgumentException("maxAbsWeight must be positive, got " + maxAbsWeight);
    }
    this.model = model;
    this.baseModelFingerprint = baseModelFingerprint;
    this.maxAbsWeight = maxAbsWeight;
  }

  public double maxAbsWeight() {
    return maxAbsWeight;
  }

  /**
   * Verifies {@code safetensors} against {@code announcement} and the base model, and loads it.
   *
   * @throws RefusedException naming the first check that failed
   */
  public LoraAdapter verify(
      AdapterPublished announcement, byte[] safetensors, NDManager parent, DataType dtype) {
    String label = announcement.getModelId() + " adapter version " + announcement.getVersion();
    String checksum = ContentHash.of(safetensors);
    if (!checksum.equals(announcement.getChecksum())) {
      throw new RefusedException(
          Reason.CHECKSUM,
          label
              + ": the weights' SHA-256 is "
              + checksum
              + ", the announcement says "
              + announcement.getChecksum());
    }
    if (announcement.getBaseModel() == null) {
      throw new RefusedException(
          Reason.BASE_MODEL, label + ": the announcement names no base model");
    }
    if (!announcement.getBaseModel().equals(baseModelFingerprint)) {
      throw new RefusedException(
          Reason.BASE_MODEL,
          label
              + ": trained on base model "
              + announcement.getBaseModel()
              + ", this replica serves "
              + baseModelFingerprint);
    }
    LoraConfig config = config(label, announcement.getLora());
    SafeTensors tensors;
    try {
      tensors = SafeTensors.of(safetensors, label);
    } catch (RuntimeException e) {
      throw new RefusedException(Reason.UNREADABLE, label + ": " + e.getMessage());
    }
    checkTensors(label, tensors, config);
    LoraAdapter adapter;
    try {
      adapter = LoraAdapter.fromSafetensors(safetensors, label, config, model, parent, dtype);
    } catch (IOException | RuntimeException e) {
      throw new RefusedException(Reason.UNREADABLE, label + ": " + e.getMessage());
    }
    try {
      checkValues(label, adapter);
      return adapter;
    } catch (RuntimeException e) {
      adapter.close();
      throw e;
    }
  }

  private static LoraConfig config(String label, LoraSettings settings) {
    if (!Double.isFinite(settings.getAlpha()) || settings.getAlpha() <= 0) {
      throw new RefusedException(
          Reason.LORA_SETTINGS, label + ": lora alpha " + settings.getAlpha() + " is not positive");
    }
    try {
      return LoraConfig.fromSettings(settings);
    } catch (IllegalArgumentException e) {
      throw new RefusedException(Reason.LORA_SETTINGS, label + ": " + e.getMessage());
    }
  }

  /** Names, dtypes and shapes from the header, before any value is read. */
  private void checkTensors(String label, SafeTensors tensors, LoraConfig config) {
    Set<String> expected = new TreeSet<>();
    for (int layer = 0; layer < model.numLayers(); layer++) {
      for (String projection : Weights.PROJECTIONS) {
        if (config.adapts(layer, projection)) {
          expected.add(Weights.modulePath(layer, projection) + ".lora_A");
          expected.add(Weights.modulePath(layer, projection) + ".lora_B");
        }
      }
    }
    Set<String> found = new TreeSet<>();
    for (SafeTensors.TensorInfo info : tensors.tensors().values()) {
      Matcher name = PEFT_NAME.matcher(info.name());
      if (!name.matches()) {
        throw new RefusedException(
            Reason.SHAPES, label + ": tensor " + info.name() + " is not a PEFT LoRA factor");
      }
      int layer = Integer.parseInt(name.group(2));
      String projection = name.group(3);
      if (layer >= model.numLayers()
          || !Weights.PROJECTIONS.contains(projection)
          || !Weights.modulePath(layer, projection).equals(name.group(1))) {
        throw new RefusedException(
            Reason.SHAPES,
            label
                + ": tensor "
                + info.name()
                + " fits no projection of the "
                + model.numLayers()
                + "-layer base model");
      }
      if (!Set.of("F32", "F16", "BF16").contains(info.dtype())) {
        throw new RefusedException(
            Reason.UNREADABLE, label + ": tensor " + info.name() + " has dtype " + info.dtype());
      }
      boolean a = name.group(4).equals("A");
      long[] projectionShape = Weights.projectionShape(model, projection);
      long[] shape = info.shape();
      if (shape.length != 2
          || (a ? shape[1] != projectionShape[1] : shape[0] != projectionShape[0])) {
        throw new RefusedException(
            Reason.SHAPES,
            label
                + ": "
                + info.name()
                + " has shape "
                + Arrays.toString(shape)
                + " but the base model's "
                + projection
                + " is [out="
                + projectionShape[0]
                + ", in="
                + projectionShape[1]
                + "]");
      }
      long rank = a ? shape[0] : shape[1];
      if (rank != config.r()) {
        throw new RefusedException(
            Reason.LORA_SETTINGS,
            label
                + ": "
                + info.name()
                + " has rank "
                + rank
                + ", the announcement says "
                + config.r());
      }
      found.add(name.group(1) + ".lora_" + name.group(4));
    }
    if (!found.equals(expected)) {
      Set<String> missing = new TreeSet<>(expected);
      missing.removeAll(found);
      Set<String> extra = new TreeSet<>(found);
      extra.removeAll(expected);
      throw new RefusedException(
          Reason.LORA_SETTINGS,
          label
              + ": the factors do not match target_modules "
              + config.targetModules()
              + " in every layer (missing "
              + missing
              + ", unexpected "
              + extra
              + ")");
    }
  }

  private void checkValues(String label, LoraAdapter adapter) {
    for (LoraParameter parameter : adapter.parameters()) {
      float[] values = parameter.array().toType(DataType.FLOAT32, false).toFloatArray();
      for (float value : values) {
        if (!Float.isFinite(value)) {
          throw new RefusedException(
              Reason.NOT_FINITE, label + ": " + parameter.name() + " holds " + value);
        }
        if (Math.abs(value) > maxAbsWeight) {
          throw new RefusedException(
              Reason.TOO_LARGE,
              label
                  + ": "
                  + parameter.name()
                  + " holds "
                  + value
                  + ", beyond the bound of "
                  + maxAbsWeight);
        }
      }
    }
  }
}
