package dev.feedloop.trainer.backend;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.feedloop.model.NoGrad;
import dev.feedloop.trainer.data.TokenizedPair;
import dev.feedloop.trainer.data.TokenizedUnary;
import dev.feedloop.trainer.loss.LossResult;
import dev.feedloop.trainer.loss.PairLogps;
import dev.feedloop.trainer.loss.PreferenceObjective;
import dev.feedloop.trainer.loss.UnaryLogps;
import dev.feedloop.trainer.optim.AdamW;
import dev.feedloop.trainer.optim.AdamWConfig;
import dev.feedloop.trainer.optim.GradientAccumulation;
import dev.feedloop.trainer.optim.Gradients;
import dev.feedloop.trainer.optim.LearningRateSchedule;
import dev.feedloop.trainer.optim.TrainingRandom;
import dev.feedloop.trainer.run.MetricsAccumulator;
import dev.feedloop.trainer.run.PolicyScorer;
import dev.feedloop.trainer.run.ReferenceLogpsCache;
import dev.feedloop.trainer.run.SequenceScores;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The training step, shared by the offline {@code train} command and the online windowed trainer:
 * for each micro-batch, the policy's log-probs (with autograd) and the reference's (cached:
 * computed once per record), the preference loss scaled by 1 / micro-batches, backward; then
 * gradient clipping and one AdamW update. Every step computes in its own NDManager, closed at the
 * end of the step, so memory stays flat.
 */
public final class PreferenceOptimizer implements AutoCloseable {

  /** What one optimizer step needs besides the data. */
  public record Settings(
      AdamWConfig adamW, double maxGradNorm, int batchSize, int gradientAccumulation) {}

  private final PolicyScorer scorer;
  private final PreferenceObjective objective;
  private final ReferenceLogpsCache referenceCache;
  private final NDManager stepParent;
  private final List<NDArray> parameters;
  private final Settings settings;
  // created by the first step: evaluation alone needs no trainable parameters
  private AdamW optimizer;
  private int steps;

  /**
   * @param referenceCache where reference log-probs are kept; null computes them in every step (no
   *     caching)
   * @param stepParent the manager that step managers are created under (the model's)
   */
  public PreferenceOptimizer(
      PolicyScorer scorer,
      PreferenceObjective objective,
      Settings settings,
      ReferenceLogpsCache referenceCache,
      NDManager stepParent) {
    this.scorer = scorer;
    this.objective = objective;
    this.settings = settings;
    this.referenceCache = referenceCache;
    this.stepParent = stepParent;
    this.parameters = scorer.trainableParameters();
  }

  public PreferenceObjective objective() {
    return objective;
  }

  /**
   * Where the optimizer stands, for a checkpoint: the schedule position ({@link
   * #optimizerSteps()}), AdamW's update count and its moments per trainable parameter (in the
   * scorer's parameter order; empty before the first update).
   */
  public record State(
      int optimizerSteps, int adamSteps, List<float[]> firstMoments, List<float[]> secondMoments) {
    public State {
      firstMoments = List.copyOf(firstMoments);
      secondMoments = List.copyOf(secondMoments);
    }

    /** A run that has taken no step yet. */
    public static final State INITIAL = new State(0, 0, List.of(), List.of());
  }

  /** A copy of the optimizer's state (see {@link State}). */
  public State state() {
    if (optimizer == null) {
      return new State(steps, 0, List.of(), List.of());
    }
    List<float[]> first = new ArrayList<>();
    List<float[]> second = new ArrayList<>();
    for (int i = 0; i < parameters.size(); i++) {
      float[][] moments = optimizer.moments(i);
      first.add(moments[0]);
      second.add(moments[1]);
    }
    return new State(steps, optimizer.steps(), first, second);
  }

  /**
   * Goes on from a saved {@link State} (the online trainer's live adapter after a restart or a
   * refused window): before the first step of this optimizer.
   */
  public void restore(State state) {
    if (optimizer != null) {
      throw new IllegalStateException("restore before the first step");
    }
    steps = state.optimizerSteps();
    if (!state.firstMoments().isEmpty()) {
      optimizer =
          AdamW.restored(
              parameters,
              settings.adamW(),
              state.adamSteps(),
              state.firstMoments(),
              state.secondMoments());
    }
  }

  /**
   * Steps taken so far, including those skipped for a non-finite gradient: the position in the
   * learning-rate schedule, which continues across windows.
   */
  public int optimizerSteps() {
    return steps;
  }

  /**
   * One optimizer step over its micro-batches, each trained with the objective's loss for its kind.
   * Returns the loss metrics averaged over the micro-batches, plus {@code grad_norm} (before
   * clipping), {@code learning_rate}, and the records the step saw ({@code records/pairs}, {@code
   * records/unary}, each when present). A step whose gradient is not finite is skipped, and says so
   * ({@code skipped} = 1).
   */
  public Map<String, Double> step(List<MicroBatch> microBatches, double learningRate) {
    int pairs = 0;
    int unary = 0;
    for (MicroBatch microBatch : microBatches) {
      pairs += microBatch.match(PairBatch::size, ignored -> 0);
      unary += microBatch.match(ignored -> 0, UnaryBatch::size);
    }
    requireTrainable(pairs, unary);
    if (optimizer == null) {
      optimizer = new AdamW(parameters, settings.adamW());
    }
    Gradients.zero(parameters);
    float scale = GradientAccumulation.lossScale(microBatches.size());
    MetricsAccumulator metrics = new MetricsAccumulator();
    for (MicroBatch microBatch : microBatches) {
      try (NDManager step = stepParent.newSubManager();
          GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        LossResult result = loss(step, microBatch, true);
        collector.backward(result.loss().mul(scale));
        metrics.add(result.metrics());
      }
    }
    double gradNorm = Gradients.clipByGlobalNorm(parameters, settings.maxGradNorm());
    Map<String, Double> means = metrics.drain();
    if (Double.isFinite(gradNorm)) {
      optimizer.step(learningRate);
      means.put("skipped", 0.0);
    } else {
      means.put("skipped", 1.0);
    }
    steps++;
    means.put("grad_norm", gradNorm);
    means.put("learning_rate", learningRate);
    if (pairs > 0) {
      means.put("records/pairs", (double) pairs);
    }
    if (unary > 0) {
      means.put("records/unary", (double) unary);
    }
    return means;
  }

  /**
   * The same loss and metrics on held-out records, without gradients; averaged over batches of the
   * batch size.
   */
  public Map<String, Double> evaluate(TokenizedRecords records) {
    requireTrainable(records.pairs().size(), records.unary().size());
    List<MicroBatch> batches = microBatches(records, settings.batchSize());
    MetricsAccumulator metrics = new MetricsAccumulator();
    for (MicroBatch batch : batches) {
      try (NoGrad ignored = NoGrad.enter();
          NDManager step = stepParent.newSubManager()) {
        metrics.add(loss(step, batch, false).metrics());
      }
    }
    return metrics.drain();
  }

  /**
   * Which passes over a window to train: epochs {@code firstEpoch} to {@code firstEpoch + epochs -
   * 1} (each epoch index seeds its own data order), stopping early once {@link #optimizerSteps()}
   * reaches {@code stopAtStep}.
   */
  public record Passes(int firstEpoch, int epochs, int stopAtStep) {
    public Passes {
      if (firstEpoch < 0 || epochs < 0) {
        throw new IllegalArgumentException("epochs must be >= 0");
      }
    }

    /** {@code epochs} passes from epoch 0, with no step limit: the online trainer's window. */
    public static Passes of(int epochs) {
      return new Passes(0, epochs, Integer.MAX_VALUE);
    }
  }

  /** Told of every optimizer step a window takes, e.g. to log metrics or evaluate. */
  @FunctionalInterface
  public interface StepListener {
    StepListener NONE = (step, metrics) -> {};

    /**
     * @param step the optimizer steps taken so far, this one included
     * @param metrics the step's metrics as {@link #step} returns them
     */
    void stepTaken(int step, Map<String, Double> metrics);
  }

  /**
   * The online trainer's entry point: {@code epochs} passes over one window of records in a seeded
   * order, one {@link #step} per group of micro-batches, the learning rate taken from {@code
   * schedule} at the optimizer's own step count (so that it continues across windows). Returns the
   * metrics averaged over the window's steps.
   */
  public Map<String, Double> trainWindow(
      TokenizedRecords window, int epochs, LearningRateSchedule schedule, TrainingRandom random) {
    return trainWindow(window, Passes.of(epochs), schedule, random, StepListener.NONE);
  }

  /**
   * The one training loop, behind the online windows and the offline run (a sequence of one-epoch
   * windows over the training split): for each pass, the window's pairs and unary records in the
   * seeded order of that epoch, cut into micro-batches of one kind, grouped into optimizer steps of
   * {@code gradientAccumulation} micro-batches. Returns the metrics averaged over the steps taken.
   */
  public Map<String, Double> trainWindow(
      TokenizedRecords window,
      Passes passes,
      LearningRateSchedule schedule,
      TrainingRandom random,
      StepListener listener) {
    requireTrainable(window.pairs().size(), window.unary().size());
    MetricsAccumulator metrics = new MetricsAccumulator();
    GradientAccumulation accumulation = new GradientAccumulation(settings.gradientAccumulation());
    for (int epoch = passes.firstEpoch();
        epoch < passes.firstEpoch() + passes.epochs() && steps < passes.stopAtStep();
        epoch++) {
      TokenizedRecords order =
          new TokenizedRecords(
              random.shuffled(window.pairs(), epoch), random.shuffled(window.unary(), epoch));
      for (List<MicroBatch> group :
          accumulation.groupIntoSteps(microBatches(order, settings.batchSize()))) {
        if (steps >= passes.stopAtStep()) {
          break;
        }
        Map<String, Double> stepMetrics = step(group, schedule.at(steps));
        metrics.add(stepMetrics);
        listener.stepTaken(steps, stepMetrics);
      }
    }
    return metrics.drain();
  }

  /** How many micro-batches {@link #microBatches} cuts the records into, without cutting them. */
  public static int microBatchCount(TokenizedRecords records, int size) {
    return ceilDiv(records.pairs().size(), size) + ceilDiv(records.unary().size(), size);
  }

  private static int ceilDiv(int count, int size) {
    return (count + size - 1) / size;
  }

  /**
   * The records in micro-batches of at most {@code size} records, each of one kind, every record in
   * exactly one. Pairs and unary records keep their order within their kind; the batches of the two
   * kinds are interleaved in proportion to their counts, so that a step (and an epoch's every part)
   * sees both kinds rather than all pairs first.
   */
  public static List<MicroBatch> microBatches(TokenizedRecords records, int size) {
    if (size < 1) {
      throw new IllegalArgumentException("batch size must be >= 1");
    }
    List<MicroBatch> pairBatches = new ArrayList<>();
    List<TokenizedPair> pairs = records.pairs();
    for (int start = 0; start < pairs.size(); start += size) {
      pairBatches.add(new PairBatch(pairs.subList(start, Math.min(start + size, pairs.size()))));
    }
    List<MicroBatch> unaryBatches = new ArrayList<>();
    List<TokenizedUnary> unary = records.unary();
    for (int start = 0; start < unary.size(); start += size) {
      unaryBatches.add(new UnaryBatch(unary.subList(start, Math.min(start + size, unary.size()))));
    }
    List<MicroBatch> batches = new ArrayList<>(pairBatches.size() + unaryBatches.size());
    int p = 0;
    int u = 0;
    while (p < pairBatches.size() || u < unaryBatches.size()) {
      // the kind that has used the smaller share of its batches goes next (pairs on a tie)
      boolean pairNext =
          u == unaryBatches.size()
              || (p < pairBatches.size()
                  && (long) p * unaryBatches.size() <= (long) u * pairBatches.size());
      batches.add(pairNext ? pairBatches.get(p++) : unaryBatches.get(u++));
    }
    return batches;
  }

  /**
   * Fails, before any gradient is computed, when the records hold a kind the objective has no loss
   * for, so that no record is silently left out of training.
   */
  private void requireTrainable(int pairs, int unary) {
    if (pairs > 0 && !objective.trainsPairs()) {
      throw new IllegalArgumentException(
          "the objective "
              + objective.config().terms()
              + " has no loss for pairs, but "
              + pairs
              + " pairs were given: split them into unary records (Conversions.pairsToUnary) or"
              + " add a pairwise loss");
    }
    if (unary > 0 && !objective.trainsUnary()) {
      throw new IllegalArgumentException(
          "the objective "
              + objective.config().terms()
              + " has no loss for unary records, but "
              + unary
              + " were given: pair them (Conversions.unaryToPairs) or add kto or sft");
    }
  }

  /**
   * Computes reference log-probs of every record now (in batches, no gradient), so that training
   * steps only read the cache. Returns how many were computed rather than found.
   */
  public long precomputeReference(TokenizedRecords records) {
    if (referenceCache == null) {
      return 0;
    }
    long before = referenceCache.misses();
    for (MicroBatch batch : microBatches(records, settings.batchSize())) {
      if (needsReference(batch)) {
        Sequences sequences = sequences(batch);
        int cacheable = sequences.cacheable();
        referenceLogps(
            sequences.prompts().subList(0, cacheable),
            sequences.completions().subList(0, cacheable));
      }
    }
    return referenceCache.misses() - before;
  }

  /**
   * Pairs need the reference when one of their losses does; unary records always, for KTO's loss or
   * the reward metrics.
   */
  private boolean needsReference(MicroBatch batch) {
    return batch.match(pairs -> objective.pairsNeedReference(), unary -> true);
  }

  private LossResult loss(NDManager step, MicroBatch batch, boolean train) {
    Sequences sequences = sequences(batch);
    int n = batch.size();
    float[] reference =
        needsReference(batch) ? referenceLogps(step, sequences, sequences.cacheable()) : null;
    // the records' completions and the second group (rejected answers, or KTO's mismatched pairs)
    // in one forward pass
    SequenceScores policy =
        scorer.score(step, sequences.prompts(), sequences.completions(), true, train);
    int rows = sequences.prompts().size();
    boolean hasSecond = rows > n;
    NDArray first = policy.logps().get("0:" + n);
    NDArray second = hasSecond ? policy.logps().get(n + ":") : null;
    NDArray firstTokens = policy.tokenCounts().get("0:" + n);
    NDArray secondTokens = hasSecond ? policy.tokenCounts().get(n + ":") : null;
    NDArray firstLogits = policy.meanLogits() == null ? null : policy.meanLogits().get("0:" + n);
    NDArray secondLogits =
        policy.meanLogits() == null || !hasSecond ? null : policy.meanLogits().get(n + ":");
    NDArray referenceFirst =
        reference == null ? null : step.create(java.util.Arrays.copyOfRange(reference, 0, n));
    NDArray referenceSecond =
        reference == null || !hasSecond
            ? null
            : step.create(java.util.Arrays.copyOfRange(reference, n, rows));

    return batch.match(
        pairs -> {
          float[] weights = new float[n];
          boolean weighted = false;
          for (int i = 0; i < n; i++) {
            weights[i] = (float) pairs.pairs().get(i).weight();
            weighted |= weights[i] != 1f;
          }
          return objective.pairLoss(
              new PairLogps(
                  first,
                  second,
                  referenceFirst,
                  referenceSecond,
                  firstTokens,
                  secondTokens,
                  firstLogits,
                  secondLogits,
                  weighted ? step.create(weights) : null));
        },
        unary -> {
          float[] desirable = new float[n];
          for (int i = 0; i < n; i++) {
            desirable[i] = unary.unary().get(i).desirable() ? 1f : 0f;
          }
          // z0 comes from the mismatched pairs, detached; a batch of one has none
          return objective.unaryLoss(
              new UnaryLogps(
                  first,
                  referenceFirst,
                  step.create(desirable),
                  second,
                  referenceSecond,
                  firstTokens,
                  firstLogits));
        });
  }

  /**
   * The first {@code cacheable} rows through the cache; the rest (KTO's mismatched rows) scored
   * afresh.
   */
  private float[] referenceLogps(NDManager step, Sequences sequences, int cacheable) {
    List<int[]> prompts = sequences.prompts();
    List<int[]> completions = sequences.completions();
    float[] cached =
        referenceLogps(prompts.subList(0, cacheable), completions.subList(0, cacheable));
    if (cacheable == prompts.size()) {
      return cached;
    }
    float[] all = java.util.Arrays.copyOf(cached, prompts.size());
    float[] fresh =
        scorer
            .score(
                step,
                prompts.subList(cacheable, prompts.size()),
                completions.subList(cacheable, completions.size()),
                false,
                false)
            .logps()
            .toFloatArray();
    System.arraycopy(fresh, 0, all, cacheable, fresh.length);
    return all;
  }

  /** Reference log-probs from the cache, computed for the missing ones in one no-grad batch. */
  private float[] referenceLogps(List<int[]> prompts, List<int[]> completions) {
    ReferenceLogpsCache.MissingScorer compute =
        missing -> {
          try (NDManager step = stepParent.newSubManager()) {
            List<int[]> missingPrompts = missing.stream().map(prompts::get).toList();
            List<int[]> missingCompletions = missing.stream().map(completions::get).toList();
            return scorer
                .score(step, missingPrompts, missingCompletions, false, false)
                .logps()
                .toFloatArray();
          }
        };
    if (referenceCache == null) {
      List<Integer> all = java.util.stream.IntStream.range(0, prompts.size()).boxed().toList();
      return compute.score(all);
    }
    return referenceCache.getOrCompute(prompts, completions, compute);
  }

  /**
   * The rows one forward pass scores, and how many of them belong to a record and can be cached:
   * both sides of a pair; for unary records only their own completions, since the mismatched rows
   * depend on the batch order.
   */
  private record Sequences(List<int[]> prompts, List<int[]> completions, int cacheable) {}

  /** Pairs: n chosen then n rejected. Unary: n completions then {@link UnaryBatch#mismatched()}. */
  private static Sequences sequences(MicroBatch batch) {
    List<int[]> prompts = new ArrayList<>();
    List<int[]> completions = new ArrayList<>();
    return batch.match(
        pairs -> {
          for (TokenizedPair pair : pairs.pairs()) {
            prompts.add(pair.prompt());
            completions.add(pair.chosen());
          }
          for (TokenizedPair pair : pairs.pairs()) {
            prompts.add(pair.prompt());
            completions.add(pair.rejected());
          }
          return new Sequences(prompts, completions, prompts.size());
        },
        unary -> {
          for (TokenizedUnary record : unary.unary()) {
            prompts.add(record.prompt());
            completions.add(record.completion());
          }
          int own = prompts.size();
          for (UnaryBatch.PromptCompletion mismatched : unary.mismatched()) {
            prompts.add(mismatched.prompt());
            completions.add(mismatched.completion());
          }
          return new Sequences(prompts, completions, own);
        });
  }

  @Override
  public void close() {
    if (optimizer != null) {
      optimizer.close();
    }
  }
}
