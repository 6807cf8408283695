package dev.feedloop.trainer.loss;

import ai.djl.ndarray.NDArray;

/**
 * Per-sequence log-probabilities of a batch of preference pairs; every array has shape (B).
 * Log-probs are sums over completion tokens only (prompt and padding masked), as the model computes
 * them.
 *
 * @param policyChosen log pi_theta(y_w | x), with gradient
 * @param policyRejected log pi_theta(y_l | x), with gradient
 * @param referenceChosen log pi_ref(y_w | x); null when every loss is reference-free
 * @param referenceRejected log pi_ref(y_l | x); null when every loss is reference-free
 * @param chosenTokens number of completion tokens of y_w (float), for the length-normalised losses
 * @param rejectedTokens number of completion tokens of y_l (float)
 * @param chosenMeanLogits mean raw logit over the chosen completion tokens (metric only); may be
 *     null
 * @param rejectedMeanLogits mean raw logit over the rejected completion tokens (metric only); may
 *     be null
 * @param weights per-pair weights multiplying the per-pair loss; null means all 1
 */
public record PairLogps(
    NDArray policyChosen,
    NDArray policyRejected,
    NDArray referenceChosen,
    NDArray referenceRejected,
    NDArray chosenTokens,
    NDArray rejectedTokens,
    NDArray chosenMeanLogits,
    NDArray rejectedMeanLogits,
    NDArray weights) {

  public PairLogps {
    if (policyChosen == null
        || policyRejected == null
        || chosenTokens == null
        || rejectedTokens == null) {
      throw new IllegalArgumentException("policy log-probs and token counts are required");
    }
    if ((referenceChosen == null) != (referenceRejected == null)) {
      throw new IllegalArgumentException("give both reference log-probs or neither");
    }
  }

  /** A batch without logit metrics or weights. */
  public static PairLogps of(
      NDArray policyChosen,
      NDArray policyRejected,
      NDArray referenceChosen,
      NDArray referenceRejected,
      NDArray chosenTokens,
      NDArray rejectedTokens) {
    return new PairLogps(
        policyChosen,
        policyRejected,
        referenceChosen,
        referenceRejected,
        chosenTokens,
        rejectedTokens,
        null,
        null,
        null);
  }

  public boolean hasReference() {
    return referenceChosen != null;
  }
}
