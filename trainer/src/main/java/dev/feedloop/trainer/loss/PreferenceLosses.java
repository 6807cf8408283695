package dev.feedloop.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * The preference losses as pure functions over per-sequence log-probs (shape (B)); each returns
 * per-sequence losses (shape (B)) unless it says otherwise. Notation: pi = policy log-prob (sum
 * over completion tokens), ref = reference log-prob, n = completion token count, w = chosen, l =
 * rejected, h = (pi_w - pi_l) - (ref_w - ref_l).
 *
 * <p>Formulas follow the papers and TRL (huggingface/trl) with a stated version, since TRL changed
 * two conventions in its DPO rewrite (PR #3906, released in 0.29.0): before it, {@code sigmoid}
 * took {@code label_smoothing} (cDPO) and IPO averaged the log-probs themselves, so its reward
 * metrics were per-token too; from 0.29 {@code sigmoid} ignores label smoothing and IPO's reward
 * metrics are sequence sums. Per loss:
 *
 * <ul>
 *   <li>sigmoid: DPO with cDPO label smoothing inside the log-sigmoids, TRL 0.x up to 0.28 ({@code
 *       dpo_loss}, loss_type "sigmoid"); with label smoothing 0 (the default) every TRL version.
 *   <li>robust: every TRL version checked (0.26 to 1.9).
 *   <li>hinge: every TRL version checked; label smoothing unused.
 *   <li>ipo: the loss on per-token means as every TRL version since 0.x computes it.
 *   <li>sigmoid_norm: TRL 1.4 and later (added there, PR #5406).
 *   <li>simpo: TRL's CPOTrainer (loss_type "simpo"), label smoothing as cDPO, every version
 *       checked.
 *   <li>orpo: the odds-ratio term as TRL's ORPOTrainer, but the NLL added to it is the token mean
 *       over the chosen completion only (as {@link #sftNll}); TRL's ORPOTrainer takes it over
 *       prompt and completion tokens (every version checked), so with long prompts the two differ.
 *   <li>sft: TRL's DPOTrainer {@code sft} / {@code rpo_alpha} NLL, a token mean over chosen
 *       completion tokens, every version checked.
 *   <li>kto: TRL's KTOTrainer: the KL reference point from mismatched pairs (completions rotated by
 *       one in the batch), clamped at 0 and detached, every version checked; here the estimate is
 *       per micro-batch, TRL's per (gathered) batch.
 * </ul>
 */
public final class PreferenceLosses {
  private PreferenceLosses() {}

  /**
   * log sigmoid(x) = -softplus(-x); DJL has no logsigmoid, and PyTorch's softplus is linear above
   * 20 so this stays finite.
   */
  public static NDArray logSigmoid(NDArray x) {
    return Activation.softPlus(x.neg()).neg();
  }

  /** h = (pi_w - pi_l) - (ref_w - ref_l): the DPO logit before beta. */
  public static NDArray logRatioDifference(
      NDArray policyChosen,
      NDArray policyRejected,
      NDArray referenceChosen,
      NDArray referenceRejected) {
    return policyChosen.sub(policyRejected).sub(referenceChosen.sub(referenceRejected));
  }

  /**
   * h_norm = (pi_w/n_w - pi_l/n_l) - (ref_w/n_w - ref_l/n_l): the same difference over per-token
   * means.
   */
  public static NDArray normalizedLogRatioDifference(PairLogps batch) {
    NDArray chosenRatio =
        batch.policyChosen().sub(batch.referenceChosen()).div(batch.chosenTokens());
    NDArray rejectedRatio =
        batch.policyRejected().sub(batch.referenceRejected()).div(batch.rejectedTokens());
    return chosenRatio.sub(rejectedRatio);
  }

  // DPO (Rafailov et al. 2023, eq. 7) with cDPO label smoothing eps: -(1-eps) log s(beta h) - eps
  // log s(-beta h). TRL <= 0.28 smooths "sigmoid" this way; TRL >= 0.29 ignores eps for it.
  public static NDArray sigmoid(NDArray h, double beta, double labelSmoothing) {
    NDArray scaled = h.mul((float) beta);
    NDArray loss = logSigmoid(scaled).mul((float) -(1 - labelSmoothing));
    if (labelSmoothing > 0) {
      loss = loss.sub(logSigmoid(scaled.neg()).mul((float) labelSmoothing));
    }
    return loss;
  }

  // Robust DPO (Chowdhury et al. 2024): (-(1-eps) log s(beta h) + eps log s(-beta h)) / (1 - 2
  // eps),
  // as TRL 0.26 to 1.9
  public static NDArray robust(NDArray h, double beta, double labelSmoothing) {
    NDArray scaled = h.mul((float) beta);
    NDArray numerator =
        logSigmoid(scaled)
            .mul((float) -(1 - labelSmoothing))
            .add(logSigmoid(scaled.neg()).mul((float) labelSmoothing));
    return numerator.div((float) (1 - 2 * labelSmoothing));
  }

  // SLiC / RSO hinge: max(0, 1 - beta h)
  public static NDArray hinge(NDArray h, double beta) {
    return Activation.relu(h.mul((float) -beta).add(1f));
  }

  // IPO (Azar et al. 2023, eq. 17) on per-token means as TRL does (0.x and 1.x alike): (h_norm -
  // 1/(2 beta))^2
  public static NDArray ipo(NDArray normalizedH, double beta) {
    return normalizedH.sub((float) (1 / (2 * beta))).square();
  }

  // Length-normalised DPO (TRL >= 1.4 sigmoid_norm): -log s(beta h_norm)
  public static NDArray sigmoidNorm(NDArray normalizedH, double beta) {
    return logSigmoid(normalizedH.mul((float) beta)).neg();
  }

  // SimPO (Meng et al. 2024, eq. 6), reference-free: -(1-eps) log s(beta (pi_w/n_w - pi_l/n_l) -
  // gamma) - eps log s(-(...))
  public static NDArray simpo(PairLogps batch, double beta, double gamma, double labelSmoothing) {
    NDArray meanChosen = batch.policyChosen().div(batch.chosenTokens());
    NDArray meanRejected = batch.policyRejected().div(batch.rejectedTokens());
    // written as beta * (difference - gamma/beta) as in TRL's CPO trainer; identical to
    // beta*difference - gamma
    return sigmoid(meanChosen.sub(meanRejected).sub((float) (gamma / beta)), beta, labelSmoothing);
  }

  /**
   * log odds(y|x) difference of ORPO (Hong et al. 2024, eq. 4-6) on per-token mean log-probs a =
   * pi/n: log odds = a - log(1 - exp(a)). The argument of exp is capped just below 0 so that a
   * sequence the policy predicts with probability ~1 does not produce log(0).
   */
  public static NDArray orpoLogOddsRatio(PairLogps batch) {
    NDArray meanChosen = batch.policyChosen().div(batch.chosenTokens());
    NDArray meanRejected = batch.policyRejected().div(batch.rejectedTokens());
    return logOdds(meanChosen).sub(logOdds(meanRejected));
  }

  private static NDArray logOdds(NDArray meanLogp) {
    NDArray capped = meanLogp.minimum(-1e-6f);
    return capped.sub(capped.exp().neg().add(1f).log());
  }

  // ORPO odds-ratio term per pair: -beta log s(log odds_w - log odds_l), as TRL's ORPOTrainer.
  // ORPO's total adds nll(chosen) (see sft): here over completion tokens only, where TRL's
  // ORPOTrainer (0.26 to 1.9) averages over prompt and completion tokens.
  public static NDArray orpoOddsRatioTerm(NDArray logOddsRatio, double beta) {
    return logSigmoid(logOddsRatio).mul((float) -beta);
  }

  // SFT / NLL on chosen as TRL's DPOTrainer computes it (loss_type "sft", rpo_alpha; 0.26 to
  // 1.9): a token-level mean over completion tokens, -sum_b pi_w / sum_b n_w. Returns a scalar.
  public static NDArray sftNll(NDArray policyLogps, NDArray tokens) {
    return policyLogps.sum().neg().div(tokens.sum().maximum(1f));
  }

  /**
   * KTO reference point z0 (Ethayarajh et al. 2024): the KL estimate mean(pi - ref) over mismatched
   * prompt/completion pairs of the batch, clamped at 0 and detached so that no gradient flows
   * through it, as TRL's KTOTrainer (0.26 to 1.9). Returns a scalar, 0 when no mismatched pairs are
   * given.
   */
  public static NDArray ktoReferencePoint(
      NDArray policyMismatched, NDArray referenceMismatched, NDArray like) {
    if (policyMismatched == null) {
      return like.getManager().zeros(new ai.djl.ndarray.types.Shape(), like.getDataType());
    }
    return policyMismatched.sub(referenceMismatched).mean().maximum(0f).stopGradient();
  }

  // KTO per record: d lambda_D (1 - s(beta (r - z0))) + (1 - d) lambda_U (1 - s(beta (z0 - r))), r
  // = pi - ref
  public static NDArray kto(
      UnaryLogps batch,
      NDArray referencePoint,
      double beta,
      double desirableWeight,
      double undesirableWeight) {
    NDArray logRatio = batch.policy().sub(batch.reference());
    NDArray desirable = batch.desirable();
    NDArray desirableLoss =
        Activation.sigmoid(logRatio.sub(referencePoint).mul((float) beta))
            .neg()
            .add(1f)
            .mul((float) desirableWeight);
    NDArray undesirableLoss =
        Activation.sigmoid(referencePoint.sub(logRatio).mul((float) beta))
            .neg()
            .add(1f)
            .mul((float) undesirableWeight);
    return desirable.mul(desirableLoss).add(desirable.neg().add(1f).mul(undesirableLoss));
  }
}
