package dev.feedloop.trainer.online;

import dev.feedloop.model.lora.LoraConfig;
import dev.feedloop.schemas.settings.Durations;
import dev.feedloop.trainer.data.TruncationConfig;
import dev.feedloop.trainer.data.TruncationMode;
import dev.feedloop.trainer.loss.LossConfig;
import dev.feedloop.trainer.loss.LossTerm;
import dev.feedloop.trainer.loss.LossType;
import dev.feedloop.trainer.optim.AdamWConfig;
import dev.feedloop.trainer.run.ReferenceKind;
import dev.feedloop.trainer.run.TrainingConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Everything the online trainer of one model may be tuned by, built by name ({@link #builder}) or
 * from FEEDLOOP_TRAINER_* environment variables ({@link #fromEnvironment}); every value not given
 * keeps the default documented in trainer/README.md ("Online trainer").
 *
 * @param modelDirectory the base model (Hugging Face directory); default models/tiny-chat
 * @param modelId the model the trainer trains for: it reads only records of this model id and
 *     announces adapters under it; default the model directory's name (as serving names it)
 * @param device cpu, gpu or gpu(N)
 * @param groupId the consumer group that holds the committed offsets
 * @param transactionalId one per model: a second trainer with the same id fences the first
 * @param startFromLatest where a trainer starts with no committed offsets and no checkpoint: the
 *     end of the topics instead of their beginning
 * @param window when a window closes: after N records or T since its first record
 * @param stepsPerWindow S, the optimizer steps trained on each window
 * @param batchSize records per micro-batch
 * @param gradientAccumulation micro-batches per optimizer step
 * @param learningRate the peak learning rate; constant after warmup (an online run has no end)
 * @param warmupSteps optimizer steps of linear warmup at the start of the run
 * @param optimizer AdamW betas, epsilon and weight decay
 * @param maxGradNorm global gradient-norm clip, 0 = none
 * @param loss the losses with their weights, beta and the KTO weights, as for offline training
 * @param lora the adapter shape
 * @param reference base (adapters off) or previous (the live adapter: iterative rounds)
 * @param truncation token limits of a record
 * @param replaySize records kept in the replay buffer (a uniform sample of accepted windows)
 * @param replayRatio the replay buffer's share of a window's training records, in [0, 1)
 * @param holdOutEvery every k-th record goes to the held-out reservoir instead of training; 0 =
 *     none (and no guardrail)
 * @param heldOutSize capacity of the held-out reservoir (reservoir sampling over all held-out
 *     records)
 * @param minHeldOutPairs below this many held-out pairs the accuracy guardrail is not applied
 * @param maxAccuracyDrop a candidate whose held-out preference accuracy is more than this below the
 *     live adapter's is refused
 * @param maxKl a candidate whose mean per-token KL to the reference on held-out chosen completions
 *     exceeds this (nats) is refused
 * @param seed seeds the adapter's initialization, data order, replay draws and reservoirs
 */
public record OnlineSettings(
    Path modelDirectory,
    String modelId,
    String device,
    String groupId,
    String transactionalId,
    boolean startFromLatest,
    WindowPolicy window,
    int stepsPerWindow,
    int batchSize,
    int gradientAccumulation,
    double learningRate,
    int warmupSteps,
    AdamWConfig optimizer,
    double maxGradNorm,
    LossConfig loss,
    LoraConfig lora,
    ReferenceKind reference,
    TruncationConfig truncation,
    int replaySize,
    double replayRatio,
    int holdOutEvery,
    int heldOutSize,
    int minHeldOutPairs,
    double maxAccuracyDrop,
    double maxKl,
    long seed) {

  /** The environment variables' common prefix. */
  public static final String PREFIX = "FEEDLOOP_TRAINER_";

  public static final Path DEFAULT_MODEL_DIRECTORY = Path.of("models", "tiny-chat");

  public OnlineSettings {
    Objects.requireNonNull(modelDirectory, "modelDirectory");
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(optimizer, "optimizer");
    Objects.requireNonNull(loss, "loss");
    Objects.requireNonNull(lora, "lora");
    Objects.requireNonNull(reference, "reference");
    Objects.requireNonNull(truncation, "truncation");
    requireText(modelId, "modelId");
    requireText(device, "device");
    requireText(groupId, "groupId");
    requireText(transactionalId, "transactionalId");
    if (stepsPerWindow < 1 || batchSize < 1 || gradientAccumulation < 1) {
      throw new IllegalArgumentException(
          "steps per window, batch size and gradient accumulation must be >= 1");
    }
    if (!(learningRate > 0) || warmupSteps < 0 || maxGradNorm < 0) {
      throw new IllegalArgumentException(
          "learning rate must be positive, warmup steps and max grad norm >= 0");
    }
    if (replaySize < 0 || !(replayRatio >= 0 && replayRatio < 1)) {
      throw new IllegalArgumentException(
          "replay size must be >= 0 and replay ratio in [0, 1), got "
              + replaySize
              + " and "
              + replayRatio);
    }
    if (holdOutEvery < 0 || holdOutEvery == 1) {
      throw new IllegalArgumentException(
          "hold-out-every must be 0 (none) or >= 2 (every k-th record), got " + holdOutEvery);
    }
    if (heldOutSize < 0 || minHeldOutPairs < 0) {
      throw new IllegalArgumentException("held-out size and minimum must be >= 0");
    }
    if (!(maxAccuracyDrop >= 0) || !(maxKl > 0)) {
      throw new IllegalArgumentException(
          "max accuracy drop must be >= 0 and max KL positive, got "
              + maxAccuracyDrop
              + " and "
              + maxKl);
    }
    if (lora.targetModules().isEmpty()) {
      throw new IllegalArgumentException("LoRA needs at least one target module");
    }
  }

  private static void requireText(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must be set");
    }
  }

  /** Settings with every default, for the model in {@code modelDirectory}. */
  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * FEEDLOOP_TRAINER_* variables over the defaults (FEEDLOOP_MODEL_ID names the model as serving's
   * variable does; FEEDLOOP_TOPIC_PREFIX prefixes the default group and transactional ids, so that
   * loops sharing a cluster do not fence each other). A malformed value fails naming its variable.
   */
  public static Builder fromEnvironment(Map<String, String> environment) {
    Env env = new Env(environment);
    Builder b = builder();
    b.topicPrefix(environment.getOrDefault("FEEDLOOP_TOPIC_PREFIX", ""));
    env.apply("MODEL_DIR", Path::of, b::modelDirectory);
    String modelId = environment.get("FEEDLOOP_MODEL_ID");
    if (modelId != null && !modelId.isBlank()) {
      b.modelId(modelId.strip());
    }
    env.apply("DEVICE", Function.identity(), b::device);
    env.apply("GROUP_ID", Function.identity(), b::groupId);
    env.apply("TRANSACTIONAL_ID", Function.identity(), b::transactionalId);
    env.apply("START_FROM", OnlineSettings::startFromLatest, b::startFromLatest);
    env.apply("WINDOW_RECORDS", Integer::parseInt, b::windowRecords);
    env.apply("WINDOW_TIME", Durations::parse, b::windowTime);
    env.apply("STEPS", Integer::parseInt, b::stepsPerWindow);
    env.apply("BATCH_SIZE", Integer::parseInt, b::batchSize);
    env.apply("GRAD_ACCUMULATION", Integer::parseInt, b::gradientAccumulation);
    env.apply("LEARNING_RATE", Double::parseDouble, b::learningRate);
    env.apply("WARMUP_STEPS", Integer::parseInt, b::warmupSteps);
    env.apply("WEIGHT_DECAY", Double::parseDouble, b::weightDecay);
    env.apply("MAX_GRAD_NORM", Double::parseDouble, b::maxGradNorm);
    env.apply("LOSS", OnlineSettings::lossTerms, b::lossTerms);
    env.apply("BETA", Double::parseDouble, b::beta);
    env.apply("DESIRABLE_WEIGHT", Double::parseDouble, b::desirableWeight);
    env.apply("UNDESIRABLE_WEIGHT", Double::parseDouble, b::undesirableWeight);
    env.apply("LORA_RANK", Integer::parseInt, b::loraRank);
    env.apply("LORA_ALPHA", Double::parseDouble, b::loraAlpha);
    env.apply("LORA_DROPOUT", Double::parseDouble, b::loraDropout);
    env.apply("LORA_TARGETS", OnlineSettings::names, b::loraTargets);
    env.apply("REFERENCE", OnlineSettings::reference, b::reference);
    env.apply("MAX_LENGTH", Integer::parseInt, b::maxLength);
    env.apply("MAX_PROMPT_LENGTH", Integer::parseInt, b::maxPromptLength);
    env.apply("REPLAY_SIZE", Integer::parseInt, b::replaySize);
    env.apply("REPLAY_RATIO", Double::parseDouble, b::replayRatio);
    env.apply("HOLD_OUT_EVERY", Integer::parseInt, b::holdOutEvery);
    env.apply("HELD_OUT_SIZE", Integer::parseInt, b::heldOutSize);
    env.apply("MIN_HELD_OUT_PAIRS", Integer::parseInt, b::minHeldOutPairs);
    env.apply("MAX_ACCURACY_DROP", Double::parseDouble, b::maxAccuracyDrop);
    env.apply("MAX_KL", Double::parseDouble, b::maxKl);
    env.apply("SEED", Long::parseLong, b::seed);
    return b;
  }

  static boolean startFromLatest(String value) {
    return switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "earliest" -> false;
      case "latest" -> true;
      default -> throw new IllegalArgumentException("expected earliest or latest");
    };
  }

  /** base or previous, in any case. */
  public static ReferenceKind reference(String value) {
    return ReferenceKind.valueOf(value.strip().toUpperCase(Locale.ROOT));
  }

  /** Loss terms as {@code train --loss} reads them: {@code sigmoid}, {@code sigmoid,sft:0.1}. */
  public static List<LossTerm> lossTerms(String value) {
    return names(value).stream().map(LossTerm::parse).toList();
  }

  static List<String> names(String value) {
    return Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  /** Reads FEEDLOOP_TRAINER_&lt;NAME&gt;, naming the variable when its value does not parse. */
  private record Env(Map<String, String> environment) {
    <T> void apply(String name, Function<String, T> parse, java.util.function.Consumer<T> set) {
      String value = environment.get(PREFIX + name);
      if (value == null || value.isBlank()) {
        return;
      }
      try {
        set.accept(parse.apply(value.strip()));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            PREFIX + name + "=" + value + " is not valid: " + e.getMessage(), e);
      }
    }
  }

  /** Named construction; every setting starts at its documented default. */
  public static final class Builder {
    private String topicPrefix = "";
    private Path modelDirectory = DEFAULT_MODEL_DIRECTORY;
    private String modelId;
    private String device = "cpu";
    private String groupId;
    private String transactionalId;
    private boolean startFromLatest = false;
    private int windowRecords = 64;
    private Duration windowTime = Duration.ofSeconds(60);
    private int stepsPerWindow = 8;
    private int batchSize = 8;
    private int gradientAccumulation = 1;
    private double learningRate = 5e-4;
    private int warmupSteps = 0;
    private double weightDecay = 0;
    private double maxGradNorm = 1.0;
    private List<LossTerm> lossTerms = List.of(new LossTerm(LossType.SIGMOID, 1.0));
    private double beta = 0.1;
    private double desirableWeight = 1.0;
    private double undesirableWeight = 1.0;
    private int loraRank = TrainingConfig.DEFAULT_LORA.r();
    private double loraAlpha = TrainingConfig.DEFAULT_LORA.alpha();
    private double loraDropout = 0;
    private List<String> loraTargets = TrainingConfig.DEFAULT_LORA.targetModules();
    private ReferenceKind reference = ReferenceKind.BASE;
    private int maxLength = TrainingConfig.DEFAULT_TRUNCATION.maxLength();
    private int maxPromptLength = TrainingConfig.DEFAULT_TRUNCATION.maxPromptLength();
    private int replaySize = 256;
    private double replayRatio = 0.25;
    private int holdOutEvery = 10;
    private int heldOutSize = 128;
    private int minHeldOutPairs = 16;
    private double maxAccuracyDrop = 0.05;
    private double maxKl = 1.0;
    private long seed = 42;

    private Builder() {}

    private Builder(OnlineSettings s) {
      modelDirectory = s.modelDirectory;
      modelId = s.modelId;
      device = s.device;
      groupId = s.groupId;
      transactionalId = s.transactionalId;
      startFromLatest = s.startFromLatest;
      windowRecords = s.window.maxRecords();
      windowTime = s.window.maxSpan();
      stepsPerWindow = s.stepsPerWindow;
      batchSize = s.batchSize;
      gradientAccumulation = s.gradientAccumulation;
      learningRate = s.learningRate;
      warmupSteps = s.warmupSteps;
      weightDecay = s.optimizer.weightDecay();
      maxGradNorm = s.maxGradNorm;
      lossTerms = s.loss.terms();
      beta = s.loss.beta();
      desirableWeight = s.loss.desirableWeight();
      undesirableWeight = s.loss.undesirableWeight();
      loraRank = s.lora.r();
      loraAlpha = s.lora.alpha();
      loraDropout = s.lora.dropout();
      loraTargets = s.lora.targetModules();
      reference = s.reference;
      maxLength = s.truncation.maxLength();
      maxPromptLength = s.truncation.maxPromptLength();
      replaySize = s.replaySize;
      replayRatio = s.replayRatio;
      holdOutEvery = s.holdOutEvery;
      heldOutSize = s.heldOutSize;
      minHeldOutPairs = s.minHeldOutPairs;
      maxAccuracyDrop = s.maxAccuracyDrop;
      maxKl = s.maxKl;
      seed = s.seed;
    }

    /** Prefixes the default group and transactional ids (FEEDLOOP_TOPIC_PREFIX). */
    public Builder topicPrefix(String value) {
      topicPrefix = value == null ? "" : value;
      return this;
    }

    public Builder modelDirectory(Path value) {
      modelDirectory = value;
      return this;
    }

    public Builder modelId(String value) {
      modelId = value;
      return this;
    }

    public Builder device(String value) {
      device = value;
      return this;
    }

    public Builder groupId(String value) {
      groupId = value;
      return this;
    }

    public Builder transactionalId(String value) {
      transactionalId = value;
      return this;
    }

    public Builder startFromLatest(boolean value) {
      startFromLatest = value;
      return this;
    }

    public Builder windowRecords(int value) {
      windowRecords = value;
      return this;
    }

    public Builder windowTime(Duration value) {
      windowTime = value;
      return this;
    }

    public Builder stepsPerWindow(int value) {
      stepsPerWindow = value;
      return this;
    }

    public Builder batchSize(int value) {
      batchSize = value;
      return this;
    }

    public Builder gradientAccumulation(int value) {
      gradientAccumulation = value;
      return this;
    }

    public Builder learningRate(double value) {
      learningRate = value;
      return this;
    }

    public Builder warmupSteps(int value) {
      warmupSteps = value;
      return this;
    }

    public Builder weightDecay(double value) {
      weightDecay = value;
      return this;
    }

    public Builder maxGradNorm(double value) {
      maxGradNorm = value;
      return this;
    }

    /** The losses and their weights, e.g. sigmoid, or sigmoid with sft at 0.1, or kto. */
    public Builder lossTerms(List<LossTerm> value) {
      lossTerms = List.copyOf(value);
      return this;
    }

    public Builder beta(double value) {
      beta = value;
      return this;
    }

    public Builder desirableWeight(double value) {
      desirableWeight = value;
      return this;
    }

    public Builder undesirableWeight(double value) {
      undesirableWeight = value;
      return this;
    }

    public Builder loraRank(int value) {
      loraRank = value;
      return this;
    }

    public Builder loraAlpha(double value) {
      loraAlpha = value;
      return this;
    }

    public Builder loraDropout(double value) {
      loraDropout = value;
      return this;
    }

    public Builder loraTargets(List<String> value) {
      loraTargets = List.copyOf(value);
      return this;
    }

    public Builder reference(ReferenceKind value) {
      reference = value;
      return this;
    }

    public Builder maxLength(int value) {
      maxLength = value;
      return this;
    }

    public Builder maxPromptLength(int value) {
      maxPromptLength = value;
      return this;
    }

    public Builder replaySize(int value) {
      replaySize = value;
      return this;
    }

    public Builder replayRatio(double value) {
      replayRatio = value;
      return this;
    }

    public Builder holdOutEvery(int value) {
      holdOutEvery = value;
      return this;
    }

    public Builder heldOutSize(int value) {
      heldOutSize = value;
      return this;
    }

    public Builder minHeldOutPairs(int value) {
      minHeldOutPairs = value;
      return this;
    }

    public Builder maxAccuracyDrop(double value) {
      maxAccuracyDrop = value;
      return this;
    }

    public Builder maxKl(double value) {
      maxKl = value;
      return this;
    }

    public Builder seed(long value) {
      seed = value;
      return this;
    }

    /** Checks the settings together; throws IllegalArgumentException naming the first wrong one. */
    public OnlineSettings build() {
      String model =
          modelId != null && !modelId.isBlank()
              ? modelId
              : modelDirectory.toAbsolutePath().normalize().getFileName().toString();
      String defaultId = topicPrefix + "feedloop-trainer-" + model;
      return new OnlineSettings(
          modelDirectory,
          model,
          device,
          groupId != null ? groupId : defaultId,
          transactionalId != null ? transactionalId : defaultId,
          startFromLatest,
          new WindowPolicy(windowRecords, windowTime),
          stepsPerWindow,
          batchSize,
          gradientAccumulation,
          learningRate,
          warmupSteps,
          AdamWConfig.withWeightDecay(weightDecay),
          maxGradNorm,
          new LossConfig(lossTerms, beta, 0, 0.5, desirableWeight, undesirableWeight),
          LoraConfig.of(loraRank, loraAlpha, loraDropout, loraTargets),
          reference,
          new TruncationConfig(maxLength, maxPromptLength, TruncationMode.KEEP_END, false),
          replaySize,
          replayRatio,
          holdOutEvery,
          heldOutSize,
          minHeldOutPairs,
          maxAccuracyDrop,
          maxKl,
          seed);
    }
  }
}
