package dev.feedloop.trainer.loss;

import java.util.List;

/**
 * Hyperparameters of the preference objective, named as in TRL's DPOConfig / KTOConfig / CPOConfig
 * / ORPOConfig. Which TRL version each loss's convention matches is stated in {@link
 * PreferenceLosses}; in short, label smoothing applies to sigmoid as in TRL up to 0.28 (cDPO), and
 * the ORPO NLL is over completion tokens only.
 *
 * @param terms the losses and their weights; the first term's rewards feed the reward metrics
 * @param beta temperature of the implicit reward (DPO beta, IPO tau, ORPO lambda, SimPO beta)
 * @param labelSmoothing label noise epsilon in [0, 0.5) of sigmoid (cDPO, as TRL <= 0.28), robust
 *     and simpo; hinge, ipo, sigmoid_norm and orpo ignore it
 * @param simpoGamma SimPO target reward margin gamma
 * @param desirableWeight KTO lambda_D
 * @param undesirableWeight KTO lambda_U
 */
public record LossConfig(
    List<LossTerm> terms,
    double beta,
    double labelSmoothing,
    double simpoGamma,
    double desirableWeight,
    double undesirableWeight) {

  public LossConfig {
    terms = List.copyOf(terms);
    if (terms.isEmpty()) {
      throw new IllegalArgumentException("at least one loss term is required");
    }
    if (!(beta > 0)) {
      throw new IllegalArgumentException("beta must be positive, got " + beta);
    }
    if (labelSmoothing < 0 || labelSmoothing >= 0.5) {
      throw new IllegalArgumentException(
          "label smoothing must be in [0, 0.5), got " + labelSmoothing);
    }
    if (desirableWeight <= 0 || undesirableWeight <= 0) {
      throw new IllegalArgumentException("KTO weights must be positive");
    }
    boolean hasKto = terms.stream().anyMatch(t -> t.type() == LossType.KTO);
    boolean hasPairwiseOnly =
        terms.stream().anyMatch(t -> t.type().pairwise() && t.type() != LossType.SFT);
    if (hasKto && hasPairwiseOnly) {
      // KTO trains unary records, the pair losses pairs; each micro-batch is of one kind, but one
      // objective mixing both would rank a window's records by two different rewards
      throw new IllegalArgumentException(
          "kto cannot be combined with pairwise losses (sft can be mixed into either)");
    }
  }

  /** TRL's defaults: beta 0.1, no smoothing, SimPO gamma 0.5, KTO weights 1. */
  public static LossConfig of(LossType... types) {
    return new LossConfig(
        java.util.Arrays.stream(types).map(t -> new LossTerm(t, 1.0)).toList(),
        0.1,
        0.0,
        0.5,
        1.0,
        1.0);
  }

  public LossConfig withBeta(double newBeta) {
    return new LossConfig(
        terms, newBeta, labelSmoothing, simpoGamma, desirableWeight, undesirableWeight);
  }

  public LossConfig withLabelSmoothing(double epsilon) {
    return new LossConfig(terms, beta, epsilon, simpoGamma, desirableWeight, undesirableWeight);
  }

  public LossConfig withSimpoGamma(double gamma) {
    return new LossConfig(terms, beta, labelSmoothing, gamma, desirableWeight, undesirableWeight);
  }

  public LossConfig withKtoWeights(double desirable, double undesirable) {
    return new LossConfig(terms, beta, labelSmoothing, simpoGamma, desirable, undesirable);
  }

  /** True when the objective trains on unary (KTO) records rather than pairs. */
  public boolean unary() {
    return terms.stream().anyMatch(t -> t.type() == LossType.KTO);
  }

  /** True when some term needs reference-model log-probs (SimPO, ORPO and SFT do not). */
  public boolean needsReference() {
    return terms.stream().anyMatch(t -> t.type().needsReference());
  }
}
