package dev.feedloop.trainer.loss;

import ai.djl.ndarray.NDArray;

/**
 * Per-sequence log-probabilities of a batch of unary (KTO) records; arrays have shape (B) unless
 * noted.
 *
 * @param policy log pi_theta(y | x), summed over completion tokens, with gradient
 * @param reference log pi_ref(y | x)
 * @param desirable 1 for a desirable completion, 0 for an undesirable one (float)
 * @param policyMismatched log pi_theta(y_j | x_i) for mismatched prompt/completion pairs (shape
 *     (M), any M >= 1); used only for the detached KL reference point z0
 * @param referenceMismatched log pi_ref(y_j | x_i) for the same mismatched pairs
 * @param tokens completion token counts (float), for the SFT term
 * @param meanLogits mean raw logit over completion tokens (metric only); may be null
 */
public record UnaryLogps(
    NDArray policy,
    NDArray reference,
    NDArray desirable,
    NDArray policyMismatched,
    NDArray referenceMismatched,
    NDArray tokens,
    NDArray meanLogits) {

  public UnaryLogps {
    if (policy == null || reference == null || desirable == null || tokens == null) {
      throw new IllegalArgumentException("policy, reference, desirable and tokens are required");
    }
    if ((policyMismatched == null) != (referenceMismatched == null)) {
      throw new IllegalArgumentException("give both mismatched log-probs or neither");
    }
  }
}
