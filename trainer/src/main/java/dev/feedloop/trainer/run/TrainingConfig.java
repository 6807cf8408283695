package dev.feedloop.trainer.run;

import dev.feedloop.model.ComputeDevice;
import dev.feedloop.model.lora.LoraConfig;
import dev.feedloop.trainer.data.DatasetFormat;
import dev.feedloop.trainer.data.PromptFormat;
import dev.feedloop.trainer.data.TruncationConfig;
import dev.feedloop.trainer.data.TruncationMode;
import dev.feedloop.trainer.loss.LossConfig;
import dev.feedloop.trainer.loss.LossType;
import dev.feedloop.trainer.optim.AdamWConfig;
import dev.feedloop.trainer.optim.ScheduleType;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything an offline training run needs, built by name: {@code
 * TrainingConfig.builder().dataFiles(files).modelDirectory(model).outputDirectory(out).build()} and
 * any setting below that differs from its default. The CLI builds it from its options.
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
 * <p>{@code outputDirectory}: where the adapter, metrics.jsonl and the report go (required).
 *
 * <p>{@code loss}: losses, weights, beta and friends; default DPO (sigmoid) with TRL's defaults.
 *
 * <p>{@code learningRate}: peak learning rate; default 5e-4.
 *
 * <p>{@code optimizer}: AdamW betas, epsilon, weight decay; default the Hugging Face Trainer's, no
 * weight decay.
 *
 * <p>{@code warmupSteps}: warmup optimizer steps; 0 (the default) uses {@code warmupRatio} of the
 * total.
 *
 * <p>{@code warmupRatio}: warmup as a fraction of all optimizer steps; default 0.1.
 *
 * <p>{@code schedule}: the decay after warmup; default cosine.
 *
 * <p>{@code epochs}: passes over the training split; default 1.
 *
 * <p>{@code maxSteps}: stop after this many optimizer steps; 0 (the default) runs all epochs.
 *
 * <p>{@code batchSize}: records per micro-batch; default 8.
 *
 * <p>{@code gradientAccumulation}: micro-batches per optimizer step; default 1.
 *
 * <p>{@code maxGradNorm}: global gradient-norm clip, 0 = none; default 1.0.
 *
 * <p>{@code seed}: seeds data order, LoRA init and dropout; default 42.
 *
 * <p>{@code truncation}: token limits; default 1024 in all, 512 for the prompt, keeping a long
 * prompt's end.
 *
 * <p>{@code evalFraction}: held-out share of the data; default 0.1.
 *
 * <p>{@code evalSteps}: evaluate every this many optimizer steps; 0 (the default) once per epoch.
 *
 * <p>{@code loggingSteps}: write a metrics line every this many optimizer steps; default 1.
 *
 * <p>{@code lora}: the adapter shape; default rank 8, alpha 16, no dropout, on q, k, v and o.
 *
 * <p>{@code reference}: base model (the default), or a previous adapter.
 *
 * <p>{@code referenceAdapter}: the previous adapter's directory when reference is PREVIOUS.
 *
 * <p>{@code referenceCacheDirectory}: where reference log-probs are cached on disk; null (the
 * default) keeps them in memory.
 *
 * <p>{@code device}: "cpu" (the default), "auto" (the best available), "gpu" or "gpu(N)"; see
 * {@link ComputeDevice}
 */
public final class TrainingConfig {
  /** The default token limits, TRL's DPOConfig defaults: 1024 in all, 512 for the prompt. */
  public static final TruncationConfig DEFAULT_TRUNCATION =
      new TruncationConfig(1024, 512, TruncationMode.KEEP_END, false);

  /** The default adapter shape: rank 8, alpha 16, no dropout, on the attention projections. */
  public static final LoraConfig DEFAULT_LORA =
      LoraConfig.of(8, 16, 0, List.of("q_proj", "k_proj", "v_proj", "o_proj"));

  private final List<Path> dataFiles;
  private final DatasetFormat format;
  private final PromptFormat promptFormat;
  private final Path modelDirectory;
  private final Path outputDirectory;
  private final LossConfig loss;
  private final double learningRate;
  private final AdamWConfig optimizer;
  private final int warmupSteps;
  private final double warmupRatio;
  private final ScheduleType schedule;
  private final int epochs;
  private final int maxSteps;
  private final int batchSize;
  private final int gradientAccumulation;
  private final double maxGradNorm;
  private final long seed;
  private final TruncationConfig truncation;
  private final double evalFraction;
  private final int evalSteps;
  private final int loggingSteps;
  private final LoraConfig lora;
  private final ReferenceKind reference;
  private final Path referenceAdapter;
  private final Path referenceCacheDirectory;
  private final String device;

  private TrainingConfig(Builder builder) {
    this.dataFiles = builder.dataFiles == null ? List.of() : List.copyOf(builder.dataFiles);
    this.format = builder.format;
    this.promptFormat = builder.promptFormat;
    this.modelDirectory = builder.modelDirectory;
    this.outputDirectory = builder.outputDirectory;
    this.loss = builder.loss;
    this.learningRate = builder.learningRate;
    this.optimizer = builder.optimizer;
    this.warmupSteps = builder.warmupSteps;
    this.warmupRatio = builder.warmupRatio;
    this.schedule = builder.schedule;
    this.epochs = builder.epochs;
    this.maxSteps = builder.maxSteps;
    this.batchSize = builder.batchSize;
    this.gradientAccumulation = builder.gradientAccumulation;
    this.maxGradNorm = builder.maxGradNorm;
    this.seed = builder.seed;
    this.truncation = builder.truncation;
    this.evalFraction = builder.evalFraction;
    this.evalSteps = builder.evalSteps;
    this.loggingSteps = builder.loggingSteps;
    this.lora = builder.lora;
    this.reference = builder.reference;
    this.referenceAdapter = builder.referenceAdapter;
    this.referenceCacheDirectory = builder.referenceCacheDirectory;
    this.device = builder.device;
    requireSet(modelDirectory, "model directory");
    requireSet(outputDirectory, "output directory");
    requireSet(loss, "loss");
    requireSet(optimizer, "optimizer");
    requireSet(schedule, "schedule");
    requireSet(truncation, "truncation");
    requireSet(lora, "LoRA shape");
    requireSet(reference, "reference");
    if (dataFiles.isEmpty()) {
      throw new IllegalArgumentException("no data files");
    }
    if (!(learningRate > 0)) {
      throw new IllegalArgumentException("learning rate must be positive");
    }
    if (epochs < 1 || batchSize < 1 || gradientAccumulation < 1 || loggingSteps < 1) {
      throw new IllegalArgumentException(
          "epochs, batch size, gradient accumulation and logging steps must be >= 1");
    }
    if (maxSteps < 0 || evalSteps < 0 || warmupSteps < 0) {
      throw new IllegalArgumentException("step counts must be >= 0");
    }
    if (warmupRatio < 0 || warmupRatio >= 1) {
      throw new IllegalArgumentException("warmup ratio must be in [0, 1)");
    }
    if (evalFraction < 0 || evalFraction >= 1) {
      throw new IllegalArgumentException("eval fraction must be in [0, 1)");
    }
    if (lora.targetModules().isEmpty()) {
      throw new IllegalArgumentException("LoRA needs at least one target module");
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

  public Path outputDirectory() {
    return outputDirectory;
  }

  public LossConfig loss() {
    return loss;
  }

  public double learningRate() {
    return learningRate;
  }

  public AdamWConfig optimizer() {
    return optimizer;
  }

  public int warmupSteps() {
    return warmupSteps;
  }

  public double warmupRatio() {
    return warmupRatio;
  }

  public ScheduleType schedule() {
    return schedule;
  }

  public int epochs() {
    return epochs;
  }

  public int maxSteps() {
    return maxSteps;
  }

  public int batchSize() {
    return batchSize;
  }

  public int gradientAccumulation() {
    return gradientAccumulation;
  }

  public double maxGradNorm() {
    return maxGradNorm;
  }

  public long seed() {
    return seed;
  }

  public TruncationConfig truncation() {
    return truncation;
  }

  public double evalFraction() {
    return evalFraction;
  }

  public int evalSteps() {
    return evalSteps;
  }

  public int loggingSteps() {
    return loggingSteps;
  }

  public LoraConfig lora() {
    return lora;
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

  public String device() {
    return device;
  }

  /** Named construction; every setting not set keeps the default documented on the class. */
  public static final class Builder {
    private List<Path> dataFiles;
    private DatasetFormat format = null;
    private PromptFormat promptFormat = PromptFormat.CHAT;
    private Path modelDirectory;
    private Path outputDirectory;
    private LossConfig loss = LossConfig.of(LossType.SIGMOID);
    private double learningRate = 5e-4;
    private AdamWConfig optimizer = AdamWConfig.withWeightDecay(0);
    private int warmupSteps = 0;
    private double warmupRatio = 0.1;
    private ScheduleType schedule = ScheduleType.COSINE;
    private int epochs = 1;
    private int maxSteps = 0;
    private int batchSize = 8;
    private int gradientAccumulation = 1;
    private double maxGradNorm = 1.0;
    private long seed = 42;
    private TruncationConfig truncation = DEFAULT_TRUNCATION;
    private double evalFraction = 0.1;
    private int evalSteps = 0;
    private int loggingSteps = 1;
    private LoraConfig lora = DEFAULT_LORA;
    private ReferenceKind reference = ReferenceKind.BASE;
    private Path referenceAdapter = null;
    private Path referenceCacheDirectory = null;
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

    public Builder outputDirectory(Path outputDirectory) {
      this.outputDirectory = outputDirectory;
      return this;
    }

    public Builder loss(LossConfig loss) {
      this.loss = loss;
      return this;
    }

    public Builder learningRate(double learningRate) {
      this.learningRate = learningRate;
      return this;
    }

    public Builder optimizer(AdamWConfig optimizer) {
      this.optimizer = optimizer;
      return this;
    }

    public Builder warmupSteps(int warmupSteps) {
      this.warmupSteps = warmupSteps;
      return this;
    }

    public Builder warmupRatio(double warmupRatio) {
      this.warmupRatio = warmupRatio;
      return this;
    }

    public Builder schedule(ScheduleType schedule) {
      this.schedule = schedule;
      return this;
    }

    public Builder epochs(int epochs) {
      this.epochs = epochs;
      return this;
    }

    public Builder maxSteps(int maxSteps) {
      this.maxSteps = maxSteps;
      return this;
    }

    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    public Builder gradientAccumulation(int gradientAccumulation) {
      this.gradientAccumulation = gradientAccumulation;
      return this;
    }

    public Builder maxGradNorm(double maxGradNorm) {
      this.maxGradNorm = maxGradNorm;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder truncation(TruncationConfig truncation) {
      this.truncation = truncation;
      return this;
    }

    public Builder evalFraction(double evalFraction) {
      this.evalFraction = evalFraction;
      return this;
    }

    public Builder evalSteps(int evalSteps) {
      this.evalSteps = evalSteps;
      return this;
    }

    public Builder loggingSteps(int loggingSteps) {
      this.loggingSteps = loggingSteps;
      return this;
    }

    public Builder lora(LoraConfig lora) {
      this.lora = lora;
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

    /** auto, cpu, gpu or gpu(N) ({@link ComputeDevice#parse}); a typo fails here, not at load. */
    public Builder device(String device) {
      this.device = ComputeDevice.parse(device).toString();
      return this;
    }

    /** Checks the settings together; throws IllegalArgumentException naming the first wrong one. */
    public TrainingConfig build() {
      return new TrainingConfig(this);
    }
  }
}
