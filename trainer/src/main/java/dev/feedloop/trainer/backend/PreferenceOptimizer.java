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
  private AdamW
      optimizer; // created by the first step: evaluation alone needs no trainable parameters

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

  public int optimizerSteps() {
    return optimizer == null ? 0 : optimizer.steps();
  }

  /**
   * One optimizer step over its micro-batches (each a list of {@link TokenizedPair} or of {@link
   * TokenizedUnary}). Returns the loss metrics averaged over the micro-batches, plus {@code
   * grad_norm} (before clipping) and {@code learning_rate}. A step whose gradient is not finite is
   * skipped, and says so ({@code skipped} = 1).
   */
  public Map<String, Double> step(List<? extends List<?>> microBatches, double learningRate) {
    if (optimizer == null) {
      optimizer = new AdamW(parameters, settings.adamW());
    }
    Gradients.zero(parameters);
    float scale = GradientAccumulation.lossScale(microBatches.size());
    MetricsAccumulator metrics = new MetricsAccumulator();
    for (List<?> microBatch : microBatches) {
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
    means.put("grad_norm", gradNorm);
    means.put("learning_rate", learningRate);
    return means;
  }

  /**
   * The same loss and metrics on held-out records, without gradients; averaged over batches of the
   * batch size.
   */
  public Map<String, Double> evaluate(TokenizedRecords records) {
    MetricsAccumulator metrics = new MetricsAccumulator();
    for (List<?> batch : microBatches(records, settings.batchSize())) {
      try (NoGrad ignored = NoGrad.enter();
          NDManager step = stepParent.newSubManager()) {
        metrics.add(loss(step, batch, false).metrics());
      }
    }
    return metrics.drain();
  }

  /**
   * The online trainer's entry point: {@code epochs} passes over one window of records in a seeded
   * order, one {@link #step} per group of micro-batches, the learning rate taken from {@code
   * schedule} at the optimizer's own step count (so that it continues across windows). Returns the
   * metrics averaged over the window's steps.
   */
  public Map<String, Double> trainWindow(
      TokenizedRecords window, int epochs, LearningRateSchedule schedule, TrainingRandom random) {
    MetricsAccumulator metrics = new MetricsAccumulator();
    GradientAccumulation accumulation = new GradientAccumulation(settings.gradientAccumulation());
    for (int epoch = 0; epoch < epochs; epoch++) {
      TokenizedRecords order =
          new TokenizedRecords(
              random.shuffled(window.pairs(), epoch), random.shuffled(window.unary(), epoch));
      for (List<List<?>> group :
          accumulation.groupIntoSteps(microBatches(order, settings.batchSize()))) {
        metrics.add(step(group, schedule.at(optimizerSteps())));
      }
    }
    return metrics.drain();
  }

  /** Consecutive micro-batches of at most {@code size} records. */
  public static List<List<?>> microBatches(TokenizedRecords records, int size) {
    List<?> all = records.pairs().isEmpty() ? records.unary() : records.pairs();
    List<List<?>> batches = new ArrayList<>();
    for (int start = 0; start < all.size(); start += size) {
      batches.add(all.subList(start, Math.min(start + size, all.size())));
    }
    return batches;
  }

  /**
   * Computes reference log-probs of every record now (in batches, no gradient), so that training
   * steps only read the cache. Returns how many were computed rather than found.
   */
  public long precomputeReference(TokenizedRecords records) {
    if (referenceCache == null || !objective.config().needsReference()) {
      return 0;
    }
    long before = referenceCache.misses();
    for (List<?> batch : microBatches(records, settings.batchSize())) {
      Sequences sequences = sequences(batch);
      int cacheable = cacheableRows(batch);
      referenceLogps(
          sequences.prompts().subList(0, cacheable), sequences.completions().subList(0, cacheable));
    }
    return referenceCache.misses() - before;
  }

  private LossResult loss(NDManager step, List<?> batch, boolean train) {
    if (batch.isEmpty()) {
      throw new IllegalArgumentException("empty micro-batch");
    }
    Sequences sequences = sequences(batch);
    int n = batch.size();
    float[] reference =
        objective.config().needsReference() || batch.get(0) instanceof TokenizedUnary
            ? referenceLogps(step, sequences, cacheableRows(batch))
            : null;
    // chosen and rejected (or completions and mismatched completions) in one forward pass of 2n
    // sequences
    SequenceScores policy =
        scorer.score(step, sequences.prompts(), sequences.completions(), true, train);
    NDArray first = policy.logps().get("0:" + n);
    NDArray second = policy.logps().get(n + ":");
    NDArray firstTokens = policy.tokenCounts().get("0:" + n);
    NDArray secondTokens = policy.tokenCounts().get(n + ":");
    NDArray firstLogits = policy.meanLogits() == null ? null : policy.meanLogits().get("0:" + n);
    NDArray secondLogits = policy.meanLogits() == null ? null : policy.meanLogits().get(n + ":");
    NDArray referenceFirst =
        reference == null ? null : step.create(java.util.Arrays.copyOfRange(reference, 0, n));
    NDArray referenceSecond =
        reference == null ? null : step.create(java.util.Arrays.copyOfRange(reference, n, 2 * n));

    if (batch.get(0) instanceof TokenizedPair) {
      float[] weights = new float[n];
      boolean weighted = false;
      for (int i = 0; i < n; i++) {
        weights[i] = (float) ((TokenizedPair) batch.get(i)).weight();
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
    }
    float[] desirable = new float[n];
    for (int i = 0; i < n; i++) {
      desirable[i] = ((TokenizedUnary) batch.get(i)).desirable() ? 1f : 0f;
    }
    // z0 comes from the mismatched pairs, detached; a batch of one has none
    boolean hasMismatched = n > 1;
    return objective.unaryLoss(
        new UnaryLogps(
            first,
            referenceFirst,
            step.create(desirable),
            hasMismatched ? second : null,
            hasMismatched ? referenceSecond : null,
            firstTokens,
            firstLogits));
  }

  /**
   * Rows whose reference log-prob belongs to a record and can be cached: both sides of a pair; for
   * unary records only their own completions, since the mismatched rows depend on the batch order.
   */
  private static int cacheableRows(List<?> batch) {
    return batch.get(0) instanceof TokenizedPair ? 2 * batch.size() : batch.size();
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

  private record Sequences(List<int[]> prompts, List<int[]> completions) {}

  /**
   * Pairs: n chosen then n rejected. Unary: n completions then n mismatched (prompt i, completion i
   * - 1).
   */
  private static Sequences sequences(List<?> batch) {
    List<int[]> prompts = new ArrayList<>();
    List<int[]> completions = new ArrayList<>();
    int n = batch.size();
    if (batch.get(0) instanceof TokenizedPair) {
      for (Object record : batch) {
        prompts.add(((TokenizedPair) record).prompt());
        completions.add(((TokenizedPair) record).chosen());
      }
      for (Object record : batch) {
        prompts.add(((TokenizedPair) record).prompt());
        completions.add(((TokenizedPair) record).rejected());
      }
    } else {
      for (Object record : batch) {
        prompts.add(((TokenizedUnary) record).prompt());
        completions.add(((TokenizedUnary) record).completion());
      }
      for (int i = 0; i < n; i++) {
        prompts.add(((TokenizedUnary) batch.get(i)).prompt());
        completions.add(((TokenizedUnary) batch.get((i + n - 1) % n)).completion());
      }
    }
    return new Sequences(prompts, completions);
  }

  @Override
  public void close() {
    if (optimizer != null) {
      optimizer.close();
    }
  }
}
