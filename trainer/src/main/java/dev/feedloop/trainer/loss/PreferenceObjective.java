package dev.feedloop.trainer.loss;

import ai.djl.ndarray.NDArray;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weighted sum of the configured losses over one batch, plus TRL-named metrics. A batch is of
 * one kind: a batch of pairs trains the pairwise terms and SFT on the chosen answers ({@link
 * #pairTerms}), a batch of unary records KTO and SFT on the desirable completions ({@link
 * #unaryTerms}).
 *
 * <p>Reward metrics come from the first term of the batch's kind: reference-based losses report
 * beta (pi - ref); for IPO these are per-token means, beta (pi - ref) / n, as TRL 0.x up to 0.28
 * reports them (it averaged the log-probs themselves for IPO; TRL 0.29 and later report sequence
 * sums for IPO too). Reference-free losses (SimPO, ORPO) report beta * pi / n as TRL's CPOTrainer
 * and ORPOTrainer do. The other metric names and definitions are TRL's DPOTrainer / KTOTrainer
 * ones.
 */
public final class PreferenceObjective {
  private final LossConfig config;

  public PreferenceObjective(LossConfig config) {
    this.config = config;
  }

  public LossConfig config() {
    return config;
  }

  /** The terms a batch of pairs trains: the pairwise losses, and SFT on the chosen answers. */
  public List<LossTerm> pairTerms() {
    return config.terms().stream().filter(t -> t.type().pairwise()).toList();
  }

  /** The terms a batch of unary records trains: KTO, and SFT on the desirable completions. */
  public List<LossTerm> unaryTerms() {
    return config.terms().stream().filter(t -> t.type().unary()).toList();
  }

  /** Whether a batch of pairs has a loss under this objective. */
  public boolean trainsPairs() {
    return !pairTerms().isEmpty();
  }

  /** Whether a batch of unary records has a loss under this objective. */
  public boolean trainsUnary() {
    return !unaryTerms().isEmpty();
  }

  /** Whether the losses of pairs need reference log-probs. */
  public boolean pairsNeedReference() {
    return pairTerms().stream().anyMatch(t -> t.type().needsReference());
  }

  /**
   * The loss of a batch of pairs; its arrays are created in the manager of {@code
   * batch.policyChosen()}.
   */
  public LossResult pairLoss(PairLogps batch) {
    List<LossTerm> terms = pairTerms();
    if (terms.isEmpty()) {
      throw new IllegalStateException(
          "the objective " + config.terms() + " trains on unary records, not pairs");
    }
    if (pairsNeedReference() && !batch.hasReference()) {
      throw new IllegalArgumentException("losses " + terms + " need reference log-probs");
    }
    double beta = config.beta();
    Map<String, Double> metrics = new LinkedHashMap<>();
    NDArray total = null;
    boolean nllLogged = false;
    for (LossTerm term : terms) {
      NDArray termLoss =
          switch (term.type()) {
            case SIGMOID ->
                weightedMean(
                    PreferenceLosses.sigmoid(h(batch), beta, config.labelSmoothing()),
                    batch.weights());
            case ROBUST ->
                weightedMean(
                    PreferenceLosses.robust(h(batch), beta, config.labelSmoothing()),
                    batch.weights());
            case HINGE -> weightedMean(PreferenceLosses.hinge(h(batch), beta), batch.weights());
            case IPO ->
                weightedMean(
                    PreferenceLosses.ipo(
                        PreferenceLosses.normalizedLogRatioDifference(batch), beta),
                    batch.weights());
            case SIGMOID_NORM ->
                weightedMean(
                    PreferenceLosses.sigmoidNorm(
                        PreferenceLosses.normalizedLogRatioDifference(batch), beta),
                    batch.weights());
            case SIMPO ->
                weightedMean(
                    PreferenceLosses.simpo(
                        batch, beta, config.simpoGamma(), config.labelSmoothing()),
                    batch.weights());
            case ORPO -> {
              NDArray logOddsRatio = PreferenceLosses.orpoLogOddsRatio(batch);
              float[] ratios = logOddsRatio.toFloatArray();
              metrics.put("log_odds_chosen", mean(ratios));
              metrics.put("log_odds_ratio", mean(logSigmoid(ratios)));
              yield weightedMean(
                      PreferenceLosses.orpoOddsRatioTerm(logOddsRatio, beta), batch.weights())
                  .add(PreferenceLosses.sftNll(batch.policyChosen(), batch.chosenTokens()));
            }
            case SFT -> PreferenceLosses.sftNll(batch.policyChosen(), batch.chosenTokens());
            case KTO ->
                throw new IllegalStateException("unreachable: kto is not among the pair terms");
          };
      if (term.type() == LossType.SFT || term.type() == LossType.ORPO) {
        nllLogged = true;
      }
      if (terms.size() > 1) {
        metrics.put("loss/" + term.type().trlName(), (double) termLoss.getFloat());
      }
      NDArray weighted = term.weight() == 1.0 ? termLoss : termLoss.mul((float) term.weight());
      total = total == null ? weighted : total.add(weighted);
    }
    metrics.put("loss", (double) total.getFloat());
    putPairRewardMetrics(batch, terms.get(0).type(), metrics);
    if (nllLogged) {
      metrics.put(
          "nll",
          tokenMeanNll(
              batch.policyChosen().toFloatArray(), batch.chosenTokens().toFloatArray(), null));
    }
    return new LossResult(total, metrics);
  }

  /**
   * The loss of a batch of unary records (KTO, optionally mixed with SFT on the desirable
   * completions).
   */
  public LossResult unaryLoss(UnaryLogps batch) {
    List<LossTerm> terms = unaryTerms();
    if (terms.isEmpty()) {
      throw new IllegalStateException(
          "the objective " + config.terms() + " trains on pairs, not unary records");
    }
    double beta = config.beta();
    Map<String, Double> metrics = new LinkedHashMap<>();
    NDArray referencePoint =
        PreferenceLosses.ktoReferencePoint(
            batch.policyMismatched(), batch.referenceMismatched(), batch.policy());
    NDArray total = null;
    for (LossTerm term : terms) {
      NDArray termLoss =
          switch (term.type()) {
            case KTO ->
                PreferenceLosses.kto(
                        batch,
                        referencePoint,
                        beta,
                        config.desirableWeight(),
                        config.undesirableWeight())
                    .mean();
            // NLL only on desirable completions: undesirable ones must not be imitated
            case SFT ->
                PreferenceLosses.sftNll(
                    batch.policy().mul(batch.desirable()), batch.tokens().mul(batch.desirable()));
            default ->
                throw new IllegalStateException(
                    "unreachable: " + term.type().trlName() + " is not among the unary terms");
          };
      if (terms.size() > 1) {
        metrics.put("loss/" + term.type().trlName(), (double) termLoss.getFloat());
      }
      NDArray weighted = term.weight() == 1.0 ? termLoss : termLoss.mul((float) term.weight());
      total = total == null ? weighted : total.add(weighted);
    }
    metrics.put("loss", (double) total.getFloat());
    putUnaryMetrics(batch, referencePoint.getFloat(), metrics);
    return new LossResult(total, metrics);
  }

  private static NDArray h(PairLogps batch) {
    return PreferenceLosses.logRatioDifference(
        batch.policyChosen(),
        batch.policyRejected(),
        batch.referenceChosen(),
        batch.referenceRejected());
  }

  private static NDArray weightedMean(NDArray perSequence, NDArray weights) {
    return weights == null ? perSequence.mean() : perSequence.mul(weights).mean();
  }

  private void putPairRewardMetrics(
      PairLogps batch, LossType primary, Map<String, Double> metrics) {
    float[] policyChosen = batch.policyChosen().toFloatArray();
    float[] policyRejected = batch.policyRejected().toFloatArray();
    float[] chosenTokens = batch.chosenTokens().toFloatArray();
    float[] rejectedTokens = batch.rejectedTokens().toFloatArray();
    float[] referenceChosen = batch.hasReference() ? batch.referenceChosen().toFloatArray() : null;
    float[] referenceRejected =
        batch.hasReference() ? batch.referenceRejected().toFloatArray() : null;
    boolean referenceFree =
        referenceChosen == null || primary == LossType.SIMPO || primary == LossType.ORPO;
    boolean perToken = referenceFree || primary == LossType.IPO;
    int size = policyChosen.length;
    double[] chosenRewards = new double[size];
    double[] rejectedRewards = new double[size];
    for (int i = 0; i < size; i++) {
      double chosen = referenceFree ? policyChosen[i] : policyChosen[i] - referenceChosen[i];
      double rejected =
          referenceFree ? policyRejected[i] : policyRejected[i] - referenceRejected[i];
      if (perToken) {
        chosen /= Math.max(chosenTokens[i], 1f);
        rejected /= Math.max(rejectedTokens[i], 1f);
      }
      chosenRewards[i] = config.beta() * chosen;
      rejectedRewards[i] = config.beta() * rejected;
    }
    double accuracy = 0;
    double margin = 0;
    for (int i = 0; i < size; i++) {
      accuracy += chosenRewards[i] > rejectedRewards[i] ? 1 : 0;
      margin += chosenRewards[i] - rejectedRewards[i];
    }
    metrics.put("rewards/chosen", mean(chosenRewards));
    metrics.put("rewards/rejected", mean(rejectedRewards));
    metrics.put("rewards/accuracies", accuracy / size);
    metrics.put("rewards/margins", margin / size);
    metrics.put("logps/chosen", mean(policyChosen));
    metrics.put("logps/rejected", mean(policyRejected));
    if (batch.chosenMeanLogits() != null) {
      metrics.put(
          "logits/chosen",
          tokenWeightedMean(batch.chosenMeanLogits().toFloatArray(), chosenTokens, null));
    }
    if (batch.rejectedMeanLogits() != null) {
      metrics.put(
          "logits/rejected",
          tokenWeightedMean(batch.rejectedMeanLogits().toFloatArray(), rejectedTokens, null));
    }
  }

  private void putUnaryMetrics(
      UnaryLogps batch, float referencePoint, Map<String, Double> metrics) {
    float[] policy = batch.policy().toFloatArray();
    float[] reference = batch.reference().toFloatArray();
    float[] desirable = batch.desirable().toFloatArray();
    float[] tokens = batch.tokens().toFloatArray();
    float[] meanLogits = batch.meanLogits() == null ? null : batch.meanLogits().toFloatArray();
    double chosenReward = 0;
    double rejectedReward = 0;
    double chosenLogps = 0;
    double rejectedLogps = 0;
    int chosenCount = 0;
    int rejectedCount = 0;
    for (int i = 0; i < policy.length; i++) {
      double reward = config.beta() * (policy[i] - reference[i]);
      if (desirable[i] > 0.5f) {
        chosenReward += reward;
        chosenLogps += policy[i];
        chosenCount++;
      } else {
        rejectedReward += reward;
        rejectedLogps += policy[i];
        rejectedCount++;
      }
    }
    metrics.put("kl", (double) referencePoint);
    metrics.put("count/chosen", (double) chosenCount);
    metrics.put("count/rejected", (double) rejectedCount);
    // a batch may hold only one kind of record; TRL then skips the metric rather than logging NaN
    if (chosenCount > 0) {
      metrics.put("rewards/chosen", chosenReward / chosenCount);
      metrics.put("logps/chosen", chosenLogps / chosenCount);
      if (meanLogits != null) {
        metrics.put("logits/chosen", tokenWeightedMean(meanLogits, tokens, mask(desirable, true)));
      }
      metrics.put("nll", tokenMeanNll(policy, tokens, mask(desirable, true)));
    }
    if (rejectedCount > 0) {
      metrics.put("rewards/rejected", rejectedReward / rejectedCount);
      metrics.put("logps/rejected", rejectedLogps / rejectedCount);
      if (meanLogits != null) {
        metrics.put(
            "logits/rejected", tokenWeightedMean(meanLogits, tokens, mask(desirable, false)));
      }
    }
    if (chosenCount > 0 && rejectedCount > 0) {
      metrics.put("rewards/margins", chosenReward / chosenCount - rejectedReward / rejectedCount);
    }
  }

  private static boolean[] mask(float[] desirable, boolean wanted) {
    boolean[] mask = new boolean[desirable.length];
    for (int i = 0; i < desirable.length; i++) {
      mask[i] = (desirable[i] > 0.5f) == wanted;
    }
    return mask;
  }

  private static double tokenMeanNll(float[] logps, float[] tokens, boolean[] mask) {
    double sum = 0;
    double count = 0;
    for (int i = 0; i < logps.length; i++) {
      if (mask == null || mask[i]) {
        sum += logps[i];
        count += tokens[i];
      }
    }
    return -sum / Math.max(count, 1);
  }

  private static double tokenWeightedMean(
      float[] perSequenceMeans, float[] tokens, boolean[] mask) {
    double sum = 0;
    double count = 0;
    for (int i = 0; i < perSequenceMeans.length; i++) {
      if (mask == null || mask[i]) {
        sum += perSequenceMeans[i] * (double) tokens[i];
        count += tokens[i];
      }
    }
    return count == 0 ? Double.NaN : sum / count;
  }

  private static double[] logSigmoid(float[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      double x = values[i];
      out[i] = x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
    }
    return out;
  }

  private static double mean(float[] values) {
    double sum = 0;
    for (float value : values) {
      sum += value;
    }
    return sum / values.length;
  }

  private static double mean(double[] values) {
    double sum = 0;
    for (double value : values) {
      sum += value;
    }
    return sum / values.length;
  }
}
