package dev.feedloop.trainer.run;

import dev.feedloop.model.ComputeDevice;
import dev.feedloop.trainer.data.DatasetFormat;
import dev.feedloop.trainer.data.PromptFormat;
import dev.feedloop.trainer.data.TruncationConfig;
import dev.feedloop.trainer.loss.LossConfig;
import dev.feedloop.trainer.loss.LossType;
import java.nio.file.Path;
import java.util.List;

/**
 * The metrics of an adapter (or the bare base model) on data files, built by name: {@code
 * EvaluationConfig.builder().dataFiles(files).modelDirectory(model).adapter(adapter).build()}.
 *
 * <p>{@code dataFiles}: preference data in any importable format (required).
 *
 * <p>{@code format}: the data format; null (the default) detects it.
 *
 * <p>{@code promptFormat}: how prompts given as plain text are tokenized: through the chat template
 * (the default) or raw, as TRL trains non-conversational data (see {@link PromptFormat}).
 *
 * <p>{@code modelDirectory}: a Hugging Face model directory, the base model (required).
 *
 * <p>{@code adapter}: the adapter to evaluate (PEFT layout); null (the default) evaluates the base
 * model.
 *
 * <p>{@code loss}: the objective whose loss and metrics are computed; default DPO (sigmoid).
 *
 * <p>{@code batchSize}: records per batch; default 8.
 *
 * <p>{@code truncation}: token limits; default as for training.
 *
 * <p>{@code reference}: base model (the default), or a previous adapter.
 *
 * <p>{@code referenceAdapter}: the previous adapter's directory when reference is PREVIOUS.
 *
 * <p>{@code referenceCacheDirectory}: where reference log-probs are cached on disk; null (the
 * default) keeps them in memory.
 *
 * <p>{@code metricsOutput}: also write the metrics as one JSONL line here; null (the default) does
 * not.
 *
 * <p>{@code device}: "cpu" (the default), "auto" (the best available), "gpu" or "gpu(N)"; see
 * {@link ComputeDevice}
 */
public final class EvaluationConfig {
  private final List<Path> dataFiles;
  private final DatasetFormat format;
  private final PromptFormat promptFormat;
  private final Path modelDirectory;
  private final Path adapter;
  private final LossConfig loss;
  private final int batchSize;
  private final TruncationConfig truncation;
  private final ReferenceKind reference;
  private final Path referenceAdapter;
  private final Path referenceCacheDirectory;
  private final Path metricsOutput;
  private final String device;

  private EvaluationConfig(Builder builder) {
    this.dataFiles = builder.dataFiles == null ? List.of() : List.copyOf(builder.dataFiles);
    this.format = builder.format;
    this.promptFormat = builder.promptFormat;
    this.modelDirectory = builder.modelDirectory;
    this.adapter = builder.adapter;
    this.loss = builder.loss;
    this.batchSize = builder.batchSize;
    this.truncation = builder.truncation;
    this.reference = builder.reference;
    this.referenceAdapter = builder.referenceAdapter;
    this.referenceCacheDirectory = builder.referenceCacheDirectory;
    this.metricsOutput = builder.metricsOutput;
    this.device = builder.device;
    requireSet(modelDirectory, "model directory");
    requireSet(loss, "loss");
    requireSet(truncation, "truncation");
    requireSet(reference, "reference");
    if (dataFiles.isEmpty()) {
      throw new IllegalArgumentException("no data files");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1");
    }
    if (reference == ReferenceKind.PREVIOUS && referenceAdapter == null) {
      throw new IllegalArgumentException(
          "reference=previous needs the previous adapter's directory");
    }
  }

  private static void requireSet(Object value, String name) {
    if (value == null) {
      throw new IllegalArgumentException("the " + name + " must be set");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public List<Path> dataFiles() {
    return dataFiles;
  }

  public DatasetFormat format() {
    return format;
  }

  public PromptFormat promptFormat() {
    return promptFormat;
  }

  public Path modelDirectory() {
    return modelDirectory;
  }

  public Path adapter() {
    return adapter;
  }

  public LossConfig loss() {
    return loss;
  }

  public int batchSize() {
    return batchSize;
  }

  public TruncationConfig truncation() {
    return truncation;
  }

  public ReferenceKind reference() {
    return reference;
  }

  public Path referenceAdapter() {
    return referenceAdapter;
  }

  public Path referenceCacheDirectory() {
    return referenceCacheDirectory;
  }

  public Path metricsOutput() {
    return metricsOutput;
  }

  public String device() {
    return device;
  }

  /** Named construction; every setting not set keeps the default documented on the class. */
  public static final class Builder {
    private List<Path> dataFiles;
    private DatasetFormat format = null;
    private PromptFormat promptFormat = PromptFormat.CHAT;
    private Path modelDirectory;
    private Path adapter = null;
    private LossConfig loss = LossConfig.of(LossType.SIGMOID);
    private int batchSize = 8;
    private TruncationConfig truncation = TrainingConfig.DEFAULT_TRUNCATION;
    private ReferenceKind reference = ReferenceKind.BASE;
    private Path referenceAdapter = null;
    private Path referenceCacheDirectory = null;
    private Path metricsOutput = null;
    private String device = "cpu";

    private Builder() {}

    public Builder dataFiles(List<Path> dataFiles) {
      this.dataFiles = dataFiles;
      return this;
    }

    public Builder format(DatasetFormat format) {
      this.format = format;
      return this;
    }

    public Builder promptFormat(PromptFormat promptFormat) {
      this.promptFormat = java.util.Objects.requireNonNull(promptFormat, "promptFormat");
      return this;
    }

    public Builder modelDirectory(Path modelDirectory) {
      this.modelDirectory = modelDirectory;
      return this;
    }

    public Builder adapter(Path adapter) {
      this.adapter = adapter;
      return this;
    }

    public Builder loss(LossConfig loss) {
      this.loss = loss;
      return this;
    }

    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    public Builder truncation(TruncationConfig truncation) {
      this.truncation = truncation;
      return this;
    }

    public Builder reference(ReferenceKind reference) {
      this.reference = reference;
      return this;
    }

    public Builder referenceAdapter(Path referenceAdapter) {
      this.referenceAdapter = referenceAdapter;
      return this;
    }

    public Builder referenceCacheDirectory(Path referenceCacheDirectory) {
      this.referenceCacheDirectory = referenceCacheDirectory;
      return this;
    }

    public Builder metricsOutput(Path metricsOutput) {
      this.metricsOutput = metricsOutput;
      return this;
    }

    /** auto, cpu, gpu or gpu(N) ({@link ComputeDevice#parse}); a typo fails here, not at load. */
    public Builder device(String device) {
      this.device = ComputeDevice.parse(device).toString();
      return this;
    }

    /** Checks the settings together; throws IllegalArgumentException naming the first wrong one. */
    public EvaluationConfig build() {
      return new EvaluationConfig(this);
    }
  }
}
