package dev.feedloop.trainer.online;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.feedloop.model.LanguageModel;
import dev.feedloop.model.NoGrad;
import dev.feedloop.model.io.SafeTensors;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.model.lora.LoraParameter;
import dev.feedloop.schemas.ContentHash;
import dev.feedloop.schemas.HeldRecord;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.UnaryFeedback;
import dev.feedloop.trainer.backend.LoraPolicyScorer;
import dev.feedloop.trainer.backend.LoraPreferenceTrainer;
import dev.feedloop.trainer.backend.ModelChatTokenizer;
import dev.feedloop.trainer.backend.PreferenceOptimizer;
import dev.feedloop.trainer.backend.TokenizedRecords;
import dev.feedloop.trainer.data.Conversions;
import dev.feedloop.trainer.data.TokenizedPair;
import dev.feedloop.trainer.data.Truncation;
import dev.feedloop.trainer.data.TruncationStats;
import dev.feedloop.trainer.loss.PreferenceObjective;
import dev.feedloop.trainer.optim.GradientAccumulation;
import dev.feedloop.trainer.optim.LearningRateSchedule;
import dev.feedloop.trainer.optim.ScheduleType;
import dev.feedloop.trainer.optim.TrainingRandom;
import dev.feedloop.trainer.run.ReferenceKind;
import dev.feedloop.trainer.run.ReferenceLogpsCache;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Trains one window and decides on its candidate, with no Kafka in sight (the online trainer feeds
 * it windows cut from the topics; a replay can feed it windows cut from recorded records):
 *
 * <ol>
 *   <li>every k-th record of the model (counted over the whole run) goes to the held-out reservoir;
 *       the others are the window's training records, mixed with a draw from the replay buffer;
 *   <li>records become the kind the loss trains on, as offline training does (KTO: pairs split into
 *       a desirable and an undesirable record; pairwise losses: unary records of one prompt paired
 *       up), tokenized through the model's chat template and truncated;
 *   <li>the candidate starts from the live adapter's weights and AdamW state (a fresh adapter while
 *       nothing is live) and takes S optimizer steps of {@link PreferenceOptimizer#trainWindow},
 *       the offline trainer's loop, against the reference (the base model, or the live adapter for
 *       reference=previous);
 *   <li>the held-out reservoir judges it ({@link Guardrails}): accepted, the candidate is the next
 *       live adapter and the window's training records enter the replay buffer; refused, the live
 *       adapter and its optimizer state stay as they were.
 * </ol>
 *
 * The result's snapshot is only a proposal: the caller adopts it once the window is committed.
 */
public final class WindowTrainer {
  /** Reference log-probs kept in memory before the cache starts over (about 20 MB). */
  private static final int REFERENCE_CACHE_LIMIT = 200_000;

  private final LanguageModel model;
  private final OnlineSettings settings;
  private final TrainerHooks hooks;
  private final PreferenceObjective objective;
  private final ModelChatTokenizer tokenizer;
  private final String baseFingerprint;
  private final HeldOutEvaluator evaluator;
  private final Guardrails guardrails;
  private final LearningRateSchedule schedule;
  private final TrainingRandom random;
  private ReferenceLogpsCache cache;

  public WindowTrainer(LanguageModel model, OnlineSettings settings, TrainerHooks hooks) {
    this.model = model;
    this.settings = settings;
    this.hooks = hooks;
    this.objective = new PreferenceObjective(settings.loss());
    this.tokenizer = new ModelChatTokenizer(model);
    this.baseFingerprint = LoraPolicyScorer.referenceFingerprint(model, new byte[0]);
    this.evaluator = new HeldOutEvaluator(model.model(), settings.batchSize());
    this.guardrails = Guardrails.of(settings);
    this.schedule =
        new LearningRateSchedule(
            settings.learningRate(),
            settings.warmupSteps(),
            Integer.MAX_VALUE,
            ScheduleType.CONSTANT);
    this.random = new TrainingRandom(settings.seed());
    random.seedEngine(); // LoRA dropout draws from the engine's generator
  }

  public WindowResult train(TrainerSnapshot before, Window window) {
    // PyTorch's grad mode is per thread and on in a fresh one; training records only inside its
    // GradientCollector, and AdamW updates the parameters in place outside it
    try (NoGrad ignored = NoGrad.enter()) {
      return trainWithoutGradMode(before, window);
    }
  }

  private WindowResult trainWithoutGradMode(TrainerSnapshot before, Window window) {
    Reservoir<HeldRecord> heldOut = before.heldOut().copy();
    Reservoir<HeldRecord> replay = before.replay().copy();
    long recordsSeen = before.recordsSeen();
    List<HeldRecord> fresh = new ArrayList<>();
    int heldOutNow = 0;
    for (HeldRecord record : window.records()) {
      recordsSeen++;
      if (settings.holdOutEvery() > 0 && recordsSeen % settings.holdOutEvery() == 0) {
        heldOut.offer(record);
        heldOutNow++;
      } else {
        fresh.add(record);
      }
    }
    List<HeldRecord> replayed = drawReplay(replay, fresh.size(), window.number());
    List<HeldRecord> training = new ArrayList<>(fresh);
    training.addAll(replayed);
    Truncation truncation = new Truncation(settings.truncation(), new TruncationStats());
    TokenizedRecords records = tokenizeForLoss(training, truncation);

    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("records/consumed", (double) window.consumed());
    metrics.put("records/train", (double) fresh.size());
    metrics.put("records/held_out", (double) heldOutNow);
    metrics.put("records/replay", (double) replayed.size());
    metrics.put("records/trained", (double) records.size());
    metrics.put("records/other_model", (double) window.otherModel());
    metrics.put("records/undecodable", (double) window.undecodable());
    metrics.put("heldout/records", (double) heldOut.size());

    TrainerSnapshot unchanged =
        new TrainerSnapshot(
            before.windows() + 1,
            before.liveVersion(),
            before.nextVersion(),
            before.liveAdapter(),
            before.optimizerMoments(),
            before.adamSteps(),
            before.optimizerSteps(),
            recordsSeen,
            heldOut,
            before.replay(),
            before.positions());
    if (records.size() == 0) {
      return new WindowResult(
          window,
          WindowResult.SKIPPED,
          WindowResult.NO_TRAINABLE_RECORDS,
          "no trainable record among "
              + window.consumed()
              + " consumed ("
              + heldOutNow
              + " held out, "
              + window.otherModel()
              + " of other models, "
              + window.undecodable()
              + " undecodable)",
          metrics,
          0,
          null,
          unchanged);
    }

    NDManager manager = model.model().manager();
    try (LoraAdapter policy = livePolicy(before).trainable(true);
        LoraAdapter live = before.liveAdapter() == null ? null : adapter(before.liveAdapter())) {
      LoraAdapter reference = settings.reference() == ReferenceKind.PREVIOUS ? live : null;
      String fingerprint =
          reference == null
              ? baseFingerprint
              : ContentHash.builder()
                  .text(baseFingerprint)
                  .text(ContentHash.of(before.liveAdapter()))
                  .hex();
      LoraPolicyScorer scorer =
          new LoraPolicyScorer(model.model(), tokenizer, policy, reference, fingerprint);
      try (PreferenceOptimizer optimizer =
          new PreferenceOptimizer(
              scorer,
              objective,
              new PreferenceOptimizer.Settings(
                  settings.optimizer(),
                  settings.maxGradNorm(),
                  settings.batchSize(),
                  settings.gradientAccumulation()),
              cache(fingerprint),
              manager)) {
        optimizer.restore(optimizerState(before, policy));

        hooks.at(TrainerHooks.Phase.TRAINING, window.number());
        long trainStart = System.nanoTime();
        int stepsPerPass =
            new GradientAccumulation(settings.gradientAccumulation())
                .optimizerSteps(PreferenceOptimizer.microBatchCount(records, settings.batchSize()));
        int passes = (settings.stepsPerWindow() + stepsPerPass - 1) / stepsPerPass;
        Map<String, Double> trained =
            optimizer.trainWindow(
                records,
                new PreferenceOptimizer.Passes(
                    0, passes, optimizer.optimizerSteps() + settings.stepsPerWindow()),
                schedule,
                new TrainingRandom(random.derive("window-" + window.number())),
                PreferenceOptimizer.StepListener.NONE);
        metrics.putAll(trained);
        metrics.put("time/train_ms", millisSince(trainStart));

        hooks.at(TrainerHooks.Phase.EVALUATING, window.number());
        long evaluateStart = System.nanoTime();
        boolean finite =
            policy.allFinite() && Double.isFinite(trained.getOrDefault("loss", Double.NaN));
        Guardrails.Measurements measured =
            measure(heldOut.items(), policy, live, reference, optimizer, finite, metrics);
        metrics.put("time/evaluate_ms", millisSince(evaluateStart));
        Guardrails.Decision decision = guardrails.decide(measured);
        if (!decision.accepted()) {
          return new WindowResult(
              window,
              WindowResult.REFUSED,
              decision.reason(),
              decision.detail(),
              metrics,
              0,
              null,
              unchanged);
        }
        for (HeldRecord record : fresh) {
          replay.offer(record);
        }
        PreferenceOptimizer.State state = optimizer.state();
        byte[] weights = policy.toSafetensors();
        TrainerSnapshot after =
            new TrainerSnapshot(
                before.windows() + 1,
                before.nextVersion(),
                before.nextVersion() + 1,
                weights,
                moments(policy, state),
                state.adamSteps(),
                state.optimizerSteps(),
                recordsSeen,
                heldOut,
                replay,
                before.positions());
        return new WindowResult(
            window,
            WindowResult.ACCEPTED,
            null,
            decision.detail(),
            metrics,
            before.nextVersion(),
            weights,
            after);
      }
    }
  }

  /** Guardrail measurements on the held-out reservoir, and the TRL-named eval_ metrics. */
  private Guardrails.Measurements measure(
      List<HeldRecord> heldOut,
      LoraAdapter candidate,
      LoraAdapter live,
      LoraAdapter reference,
      PreferenceOptimizer optimizer,
      boolean finite,
      Map<String, Double> metrics) {
    if (heldOut.isEmpty() || !finite) {
      return new Guardrails.Measurements(finite, 0, Double.NaN, Double.NaN, 0, 0);
    }
    Truncation truncation = new Truncation(settings.truncation(), new TruncationStats());
    List<PreferencePair> pairs = new ArrayList<>();
    List<UnaryFeedback> unary = new ArrayList<>();
    split(heldOut, pairs, unary);
    pairs.addAll(Conversions.unaryToPairs(unary, 0));
    List<TokenizedPair> tokenized =
        LoraPreferenceTrainer.tokenizePairs(pairs, tokenizer, truncation);
    double candidateAccuracy = evaluator.accuracy(tokenized, candidate);
    double liveAccuracy = evaluator.accuracy(tokenized, live);
    List<int[][]> chosen = new ArrayList<>();
    tokenized.forEach(pair -> chosen.add(new int[][] {pair.prompt(), pair.chosen()}));
    for (UnaryFeedback record : unary) {
      if (record.getDesirable()) {
        int[] prompt = tokenizer.encodePrompt(record.getPrompt());
        truncation
            .apply(
                new dev.feedloop.trainer.data.TokenizedUnary(
                    prompt,
                    tokenizer.encodeCompletion(record.getPrompt(), record.getCompletion()),
                    true))
            .ifPresent(r -> chosen.add(new int[][] {r.prompt(), r.completion()}));
      }
    }
    HeldOutEvaluator.Kl kl = evaluator.kl(chosen, candidate, reference);
    TokenizedRecords evalRecords = tokenizeForLoss(heldOut, truncation);
    if (evalRecords.size() > 0) {
      optimizer.evaluate(evalRecords).forEach((name, value) -> metrics.put("eval_" + name, value));
    }
    metrics.put("heldout/pairs", (double) tokenized.size());
    if (!tokenized.isEmpty()) {
      metrics.put("heldout/accuracy", candidateAccuracy);
      metrics.put("heldout/live_accuracy", liveAccuracy);
    }
    metrics.put("heldout/kl", kl.perToken());
    metrics.put("heldout/kl_sequence", kl.perSequence());
    metrics.put("heldout/kl_tokens", (double) kl.tokens());
    return new Guardrails.Measurements(
        true, tokenized.size(), candidateAccuracy, liveAccuracy, kl.tokens(), kl.perToken());
  }

  /**
   * Records as the loss trains them, as offline training converts: KTO gets unary records (each
   * pair split in two), the pairwise losses get pairs (unary records of a prompt paired up; one
   * with no partner is left out).
   */
  private TokenizedRecords tokenizeForLoss(List<HeldRecord> records, Truncation truncation) {
    List<PreferencePair> pairs = new ArrayList<>();
    List<UnaryFeedback> unary = new ArrayList<>();
    split(records, pairs, unary);
    if (settings.loss().unary()) {
      List<UnaryFeedback> all = new ArrayList<>(unary);
      all.addAll(Conversions.pairsToUnary(pairs));
      return TokenizedRecords.ofUnary(
          LoraPreferenceTrainer.tokenizeUnary(all, tokenizer, truncation));
    }
    List<PreferencePair> all = new ArrayList<>(pairs);
    all.addAll(Conversions.unaryToPairs(unary, 0));
    return TokenizedRecords.ofPairs(
        LoraPreferenceTrainer.tokenizePairs(all, tokenizer, truncation));
  }

  private static void split(
      List<HeldRecord> records, List<PreferencePair> pairs, List<UnaryFeedback> unary) {
    for (HeldRecord record : records) {
      if (record.getPair() != null) {
        pairs.add(record.getPair());
      } else if (record.getUnary() != null) {
        unary.add(record.getUnary());
      }
    }
  }

  /**
   * replayRatio of the training records come from the buffer: r / (1 - r) of the fresh ones, as
   * many as it holds at most, drawn without replacement in a seeded order.
   */
  private List<HeldRecord> drawReplay(Reservoir<HeldRecord> replay, int fresh, long windowNumber) {
    if (settings.replayRatio() == 0 || replay.size() == 0 || fresh == 0) {
      return List.of();
    }
    int wanted = (int) Math.round(settings.replayRatio() / (1 - settings.replayRatio()) * fresh);
    List<HeldRecord> order = new ArrayList<>(replay.items());
    Collections.shuffle(order, new Random(random.derive("replay-" + windowNumber)));
    return List.copyOf(order.subList(0, Math.min(wanted, order.size())));
  }

  /** The adapter training goes on from: the live one, or a fresh one (B = 0: the base model). */
  private LoraAdapter livePolicy(TrainerSnapshot before) {
    if (before.liveAdapter() != null) {
      return adapter(before.liveAdapter());
    }
    return LoraAdapter.create(
        model.model().config(),
        settings.lora().withBaseModel(settings.modelDirectory().toString()),
        model.model().manager(),
        DataType.FLOAT32,
        random.derive("lora-init"));
  }

  private LoraAdapter adapter(byte[] safetensors) {
    try {
      return LoraAdapter.fromSafetensors(
          safetensors,
          "the live adapter of " + settings.modelId(),
          settings.lora(),
          model.model().config(),
          model.model().manager(),
          DataType.FLOAT32);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ReferenceLogpsCache cache(String fingerprint) {
    if (cache == null
        || !cache.fingerprint().equals(fingerprint)
        || cache.size() > REFERENCE_CACHE_LIMIT) {
      cache = ReferenceLogpsCache.inMemory(fingerprint);
    }
    return cache;
  }

  private static final String FIRST_MOMENT = ".exp_avg";
  private static final String SECOND_MOMENT = ".exp_avg_sq";

  /** The snapshot's AdamW state for the policy's parameters. */
  private static PreferenceOptimizer.State optimizerState(
      TrainerSnapshot snapshot, LoraAdapter policy) {
    if (snapshot.optimizerMoments() == null) {
      return new PreferenceOptimizer.State(snapshot.optimizerSteps(), 0, List.of(), List.of());
    }
    SafeTensors tensors = SafeTensors.of(snapshot.optimizerMoments(), "optimizer moments");
    List<float[]> first = new ArrayList<>();
    List<float[]> second = new ArrayList<>();
    try (NDManager scratch = policy.parameters().get(0).array().getManager().newSubManager()) {
      for (LoraParameter parameter : policy.parameters()) {
        first.add(tensors.load(scratch, parameter.name() + FIRST_MOMENT).toFloatArray());
        second.add(tensors.load(scratch, parameter.name() + SECOND_MOMENT).toFloatArray());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new PreferenceOptimizer.State(
        snapshot.optimizerSteps(), snapshot.adamSteps(), first, second);
  }

  /** AdamW's moments as safetensors, named after the parameters as torch's state dict does. */
  private static byte[] moments(LoraAdapter policy, PreferenceOptimizer.State state) {
    if (state.firstMoments().isEmpty()) {
      return null;
    }
    List<LoraParameter> parameters = policy.parameters();
    try (NDManager scratch = parameters.get(0).array().getManager().newSubManager()) {
      Map<String, NDArray> tensors = new LinkedHashMap<>();
      for (int i = 0; i < parameters.size(); i++) {
        Shape shape = parameters.get(i).array().getShape();
        tensors.put(
            parameters.get(i).name() + FIRST_MOMENT,
            scratch.create(state.firstMoments().get(i), shape));
        tensors.put(
            parameters.get(i).name() + SECOND_MOMENT,
            scratch.create(state.secondMoments().get(i), shape));
      }
      return SafeTensors.toBytes(tensors, Map.of("format", "pt"), "F32");
    }
  }

  private static double millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e6;
  }
}
