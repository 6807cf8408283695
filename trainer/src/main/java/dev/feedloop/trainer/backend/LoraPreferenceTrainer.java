package dev.feedloop.trainer.backend;

import ai.djl.ndarray.types.DataType;
import dev.feedloop.model.ComputeDevice;
import dev.feedloop.model.LanguageModel;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.model.lora.LoraConfig;
import dev.feedloop.schemas.ContentHash;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.UnaryFeedback;
import dev.feedloop.trainer.data.ChatTokenizer;
import dev.feedloop.trainer.data.Conversions;
import dev.feedloop.trainer.data.DatasetFormat;
import dev.feedloop.trainer.data.EvalSplit;
import dev.feedloop.trainer.data.ImportResult;
import dev.feedloop.trainer.data.PreferenceImporter;
import dev.feedloop.trainer.data.PromptFormat;
import dev.feedloop.trainer.data.TokenizedPair;
import dev.feedloop.trainer.data.TokenizedUnary;
import dev.feedloop.trainer.data.Truncation;
import dev.feedloop.trainer.data.TruncationConfig;
import dev.feedloop.trainer.data.TruncationStats;
import dev.feedloop.trainer.loss.LossConfig;
import dev.feedloop.trainer.loss.PreferenceObjective;
import dev.feedloop.trainer.optim.GradientAccumulation;
import dev.feedloop.trainer.optim.LearningRateSchedule;
import dev.feedloop.trainer.optim.TrainingRandom;
import dev.feedloop.trainer.run.EvaluationConfig;
import dev.feedloop.trainer.run.MetricsAccumulator;
import dev.feedloop.trainer.run.MetricsJsonl;
import dev.feedloop.trainer.run.ReferenceKind;
import dev.feedloop.trainer.run.ReferenceLogpsCache;
import dev.feedloop.trainer.run.StepMetrics;
import dev.feedloop.trainer.run.TrainingConfig;
import dev.feedloop.trainer.run.TrainingProgress;
import dev.feedloop.trainer.run.TrainingReport;
import dev.feedloop.trainer.run.TrainingSummary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The offline run behind {@code feedloop-trainer train} and {@code eval}: import and split the
 * data, tokenize and truncate it through the model's chat template, cache the reference log-probs
 * once, then run {@link PreferenceOptimizer#step} over seeded epochs with logging, periodic
 * evaluation, a report and the adapter in PEFT layout.
 */
public final class LoraPreferenceTrainer {
  public static final String ADAPTER_DIRECTORY = "adapter";
  public static final String METRICS_FILE = "metrics.jsonl";
  public static final String REPORT_DIRECTORY = "report";

  /** Progress lines go to stderr unless a test or embedding caller redirects them. */
  private final java.util.function.Consumer<String> progressLines;

  public LoraPreferenceTrainer() {
    this(null);
  }

  public LoraPreferenceTrainer(java.util.function.Consumer<String> progressLines) {
    this.progressLines = progressLines;
  }

  /**
   * Trains a LoRA adapter: writes it, metrics.jsonl and the report under {@code
   * config.outputDirectory()}.
   */
  public TrainingSummary train(TrainingConfig config) {
    TrainingRandom random = new TrainingRandom(config.seed());
    ImportResult data = importData(config.dataFiles(), config.format(), config.promptFormat());
    try (LanguageModel model =
        LanguageModel.load(
            config.modelDirectory(),
            ComputeDevice.parse(config.device()).resolve(),
            DataType.FLOAT32)) {
      random.seedEngine(); // LoRA dropout draws from the engine's generator
      try (LoraAdapter policy = initialPolicy(config, model, random);
          Reference reference =
              Reference.open(model, config.reference(), config.referenceAdapter())) {
        LoraPolicyScorer scorer =
            LoraPolicyScorer.forModel(model, policy, reference.adapter(), reference.source());
        Split split =
            tokenizeAndSplit(
                data,
                scorer.tokenizer(),
                config.loss(),
                config.truncation(),
                config.evalFraction(),
                config.seed());
        try (ReferenceLogpsCache cache =
                openCache(config.referenceCacheDirectory(), scorer.referenceFingerprint());
            PreferenceOptimizer optimizer =
                new PreferenceOptimizer(
                    scorer,
                    new PreferenceObjective(config.loss()),
                    new PreferenceOptimizer.Settings(
                        config.optimizer(),
                        config.maxGradNorm(),
                        config.batchSize(),
                        config.gradientAccumulation()),
                    cache,
                    model.model().manager())) {
          optimizer.precomputeReference(split.train());
          optimizer.precomputeReference(split.eval());
          return run(config, random, split, optimizer, policy);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A fresh adapter (B = 0: the policy starts as the base model), or for {@code reference=previous}
   * a trainable copy of the previous adapter, so that an iterative DPO round starts where the last
   * one ended, with zero rewards.
   */
  private static LoraAdapter initialPolicy(
      TrainingConfig config, LanguageModel model, TrainingRandom random) throws IOException {
    if (config.reference() == ReferenceKind.PREVIOUS) {
      return LoraAdapter.load(
              config.referenceAdapter(),
              model.model().config(),
              model.model().manager(),
              DataType.FLOAT32)
          .trainable(true);
    }
    return LoraAdapter.create(
            model.model().config(),
            config.lora().withBaseModel(config.modelDirectory().toString()),
            model.model().manager(),
            DataType.FLOAT32,
            random.derive("lora-init"))
        .trainable(true);
  }

  private TrainingSummary run(
      TrainingConfig config,
      TrainingRandom random,
      Split split,
      PreferenceOptimizer optimizer,
      LoraAdapter policy)
      throws IOException {
    GradientAccumulation accumulation = new GradientAccumulation(config.gradientAccumulation());
    Map<String, Double> lastTrain;
    Map<String, Double> lastEval;
    int microBatchesPerEpoch =
        PreferenceOptimizer.microBatchCount(split.train(), config.batchSize());
    if (microBatchesPerEpoch == 0) {
      throw new IllegalArgumentException(
          "no training records left after validation, truncation and the eval split");
    }
    int stepsPerEpoch = accumulation.optimizerSteps(microBatchesPerEpoch);
    int totalSteps =
        config.maxSteps() > 0
            ? Math.min(config.maxSteps(), stepsPerEpoch * config.epochs())
            : stepsPerEpoch * config.epochs();
    LearningRateSchedule schedule =
        config.warmupSteps() > 0
            ? new LearningRateSchedule(
                config.learningRate(),
                Math.min(config.warmupSteps(), totalSteps - 1),
                totalSteps,
                config.schedule())
            : LearningRateSchedule.withWarmupRatio(
                config.learningRate(), config.warmupRatio(), totalSteps, config.schedule());

    Files.createDirectories(config.outputDirectory());
    Path metricsFile = config.outputDirectory().resolve(METRICS_FILE);
    Files.deleteIfExists(metricsFile);
    try (MetricsJsonl metrics = MetricsJsonl.append(metricsFile);
        TrainingProgress progress =
            progressLines == null
                ? TrainingProgress.console("train", totalSteps)
                : TrainingProgress.toLines("train", totalSteps, progressLines)) {
      RunLog log =
          new RunLog(config, split.eval(), optimizer, metrics, progress, stepsPerEpoch, totalSteps);
      // the offline run is a sequence of one-epoch windows over the training split
      for (int epoch = 0; optimizer.optimizerSteps() < totalSteps; epoch++) {
        optimizer.trainWindow(
            split.train(),
            new PreferenceOptimizer.Passes(epoch, 1, totalSteps),
            schedule,
            random,
            log);
      }
      lastTrain = log.lastTrain;
      lastEval = log.lastEval;
    }
    Path adapterDirectory = config.outputDirectory().resolve(ADAPTER_DIRECTORY);
    policy.save(adapterDirectory);
    Path report =
        TrainingReport.write(
            MetricsJsonl.read(metricsFile),
            config.outputDirectory().resolve(REPORT_DIRECTORY),
            "DPO run " + config.outputDirectory().getFileName());
    return new TrainingSummary(
        adapterDirectory, optimizer.optimizerSteps(), lastTrain, lastEval, report);
  }

  /**
   * The offline run's cadence on top of the training loop: a metrics line every {@code
   * loggingSteps} steps (averaged over them), an evaluation every {@code evalSteps} steps or once
   * per epoch, both also after the last step.
   */
  private static final class RunLog implements PreferenceOptimizer.StepListener {
    private final TrainingConfig config;
    private final TokenizedRecords eval;
    private final PreferenceOptimizer optimizer;
    private final MetricsJsonl metrics;
    private final TrainingProgress progress;
    private final int stepsPerEpoch;
    private final int totalSteps;
    private final int evalEvery;
    private final MetricsAccumulator logged = new MetricsAccumulator();
    private Map<String, Double> lastTrain = Map.of();
    private Map<String, Double> lastEval = Map.of();

    RunLog(
        TrainingConfig config,
        TokenizedRecords eval,
        PreferenceOptimizer optimizer,
        MetricsJsonl metrics,
        TrainingProgress progress,
        int stepsPerEpoch,
        int totalSteps) {
      this.config = config;
      this.eval = eval;
      this.optimizer = optimizer;
      this.metrics = metrics;
      this.progress = progress;
      this.stepsPerEpoch = stepsPerEpoch;
      this.totalSteps = totalSteps;
      this.evalEvery = config.evalSteps() > 0 ? config.evalSteps() : stepsPerEpoch;
    }

    @Override
    public void stepTaken(int step, Map<String, Double> stepMetrics) {
      logged.add(stepMetrics);
      progress.step(stepMetrics);
      double epochPosition = (double) step / stepsPerEpoch;
      if (step % config.loggingSteps() == 0 || step == totalSteps) {
        lastTrain = logged.drain();
        metrics.write(new StepMetrics(step, epochPosition, StepMetrics.TRAIN, lastTrain));
      }
      if (eval.size() > 0 && (step % evalEvery == 0 || step == totalSteps)) {
        lastEval = optimizer.evaluate(eval);
        metrics.write(new StepMetrics(step, epochPosition, StepMetrics.EVAL, lastEval));
      }
    }
  }

  /** TRL-named metrics of an adapter (or the base model) on the given data. */
  public Map<String, Double> evaluate(EvaluationConfig config) {
    ImportResult data = importData(config.dataFiles(), config.format(), config.promptFormat());
    try (LanguageModel model =
            LanguageModel.load(
                config.modelDirectory(),
                ComputeDevice.parse(config.device()).resolve(),
                DataType.FLOAT32);
        // without --adapter the policy is the base model: a fresh adapter (B = 0) computes exactly
        // that
        LoraAdapter policy =
            config.adapter() != null
                ? LoraAdapter.load(
                    config.adapter(),
                    model.model().config(),
                    model.model().manager(),
                    DataType.FLOAT32)
                : LoraAdapter.create(
                    model.model().config(),
                    LoraConfig.of(1, 1, 0, List.of("q_proj")),
                    model.model().manager(),
                    DataType.FLOAT32,
                    0);
        Reference reference =
            Reference.open(model, config.reference(), config.referenceAdapter())) {
      LoraPolicyScorer scorer =
          LoraPolicyScorer.forModel(model, policy, reference.adapter(), reference.source());
      Split split =
          tokenizeAndSplit(data, scorer.tokenizer(), config.loss(), config.truncation(), 0, 0);
      try (ReferenceLogpsCache cache =
              openCache(config.referenceCacheDirectory(), scorer.referenceFingerprint());
          PreferenceOptimizer optimizer =
              new PreferenceOptimizer(
                  scorer,
                  new PreferenceObjective(config.loss()),
                  new PreferenceOptimizer.Settings(null, 0, config.batchSize(), 1),
                  cache,
                  model.model().manager())) {
        Map<String, Double> metrics = new LinkedHashMap<>(optimizer.evaluate(split.train()));
        metrics.put("records", (double) split.train().size());
        if (config.metricsOutput() != null) {
          try (MetricsJsonl out = MetricsJsonl.append(config.metricsOutput())) {
            out.write(new StepMetrics(0, 0, StepMetrics.EVAL, metrics));
          }
        }
        return metrics;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ImportResult importData(List<Path> files, DatasetFormat format, PromptFormat prompts) {
    return PreferenceImporter.builder()
        .format(format)
        .promptFormat(prompts)
        .build()
        .importFiles(files);
  }

  static ReferenceLogpsCache openCache(Path directory, String fingerprint) {
    return directory == null
        ? ReferenceLogpsCache.inMemory(fingerprint)
        : ReferenceLogpsCache.open(directory, fingerprint);
  }

  /** Train and held-out records, tokenized. */
  record Split(TokenizedRecords train, TokenizedRecords eval, TruncationStats truncation) {}

  /**
   * Brings the data to the kind the loss trains on (pairs to unary records for KTO, unary records
   * to pairs for the pairwise losses), splits off the held-out share by content hash, then
   * tokenizes and truncates.
   */
  static Split tokenizeAndSplit(
      ImportResult data,
      ChatTokenizer tokenizer,
      LossConfig loss,
      TruncationConfig limits,
      double evalFraction,
      long seed) {
    TruncationStats stats = new TruncationStats();
    Truncation truncation = new Truncation(limits, stats);
    if (loss.unary()) {
      List<UnaryFeedback> unary = new ArrayList<>(data.unary());
      unary.addAll(Conversions.pairsToUnary(data.pairs()));
      EvalSplit.Split<UnaryFeedback> split = EvalSplit.unary(unary, evalFraction, seed);
      return new Split(
          TokenizedRecords.ofUnary(tokenizeUnary(split.train(), tokenizer, truncation)),
          TokenizedRecords.ofUnary(tokenizeUnary(split.eval(), tokenizer, truncation)),
          stats);
    }
    List<PreferencePair> pairs = new ArrayList<>(data.pairs());
    pairs.addAll(Conversions.unaryToPairs(data.unary(), Integer.MAX_VALUE));
    EvalSplit.Split<PreferencePair> split = EvalSplit.pairs(pairs, evalFraction, seed);
    return new Split(
        TokenizedRecords.ofPairs(tokenizePairs(split.train(), tokenizer, truncation)),
        TokenizedRecords.ofPairs(tokenizePairs(split.eval(), tokenizer, truncation)),
        stats);
  }

  public static List<TokenizedPair> tokenizePairs(
      List<PreferencePair> pairs, ChatTokenizer tokenizer, Truncation truncation) {
    List<TokenizedPair> out = new ArrayList<>();
    pairs.forEach(pair -> truncation.tokenize(pair, tokenizer).ifPresent(out::add));
    return out;
  }

  public static List<TokenizedUnary> tokenizeUnary(
      List<UnaryFeedback> records, ChatTokenizer tokenizer, Truncation truncation) {
    List<TokenizedUnary> out = new ArrayList<>();
    records.forEach(record -> truncation.tokenize(record, tokenizer).ifPresent(out::add));
    return out;
  }

  /**
   * The reference policy: the base model (no adapter), or a frozen previous adapter and its bytes
   * for the cache key.
   */
  record Reference(LoraAdapter adapter, byte[] source) implements AutoCloseable {
    static Reference open(LanguageModel model, ReferenceKind kind, Path previousAdapter)
        throws IOException {
      if (kind != ReferenceKind.PREVIOUS) {
        return new Reference(null, new byte[0]);
      }
      LoraAdapter adapter =
          LoraAdapter.load(
              previousAdapter, model.model().config(), model.model().manager(), DataType.FLOAT32);
      return new Reference(
          adapter,
          ContentHash.ofFile(previousAdapter.resolve(LoraAdapter.ADAPTER_WEIGHTS))
              .getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
      if (adapter != null) {
        adapter.close();
      }
    }
  }
}
