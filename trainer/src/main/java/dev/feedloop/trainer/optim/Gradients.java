package dev.feedloop.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.List;

/**
 * Gradient housekeeping. DJL (like PyTorch) adds every backward pass into the existing gradients,
 * which is what gradient accumulation relies on, so the loop must zero them explicitly after each
 * optimizer step.
 */
public final class Gradients {
  private static final NDIndex EVERYTHING = new NDIndex("...");

  private Gradients() {}

  /**
   * Sets every gradient to exactly 0 (assignment rather than g - g, so NaN or inf gradients are
   * cleared too).
   */
  public static void zero(List<NDArray> parameters) {
    for (NDArray parameter : parameters) {
      if (parameter instanceof ai.djl.pytorch.engine.PtNDArray tensor) {
        ai.djl.pytorch.jni.JniUtils.zeroGrad(
            tensor); // grad.zero_(): no temporaries (set() leaks a scalar per call)
        continue;
      }
      try (NDManager scratch = parameter.getManager().newSubManager()) {
        NDArray gradient = parameter.getGradient();
        gradient.attach(scratch);
        gradient.set(EVERYTHING, 0f);
      }
    }
  }

  /** The L2 norm of all gradients taken together; NaN or infinite when some gradient is. */
  public static double globalNorm(List<NDArray> parameters) {
    double squares = 0;
    for (NDArray parameter : parameters) {
      try (NDManager scratch = parameter.getManager().newSubManager()) {
        NDArray gradient = parameter.getGradient();
        gradient.attach(scratch);
        squares +=
            gradient
                .toType(ai.djl.ndarray.types.DataType.FLOAT64, false)
                .square()
                .sum()
                .getDouble();
      }
    }
    return Math.sqrt(squares);
  }

  /**
   * Scales all gradients by min(1, maxNorm / (norm + 1e-6)) as torch.nn.utils.clip_grad_norm_ does,
   * and returns the norm before clipping (the {@code grad_norm} metric). A non-positive maxNorm
   * disables clipping.
   */
  public static double clipByGlobalNorm(List<NDArray> parameters, double maxNorm) {
    double norm = globalNorm(parameters);
    if (maxNorm <= 0 || !Double.isFinite(norm) || norm <= maxNorm) {
      return norm;
    }
    float scale = (float) (maxNorm / (norm + 1e-6));
    for (NDArray parameter : parameters) {
      try (NDManager scratch = parameter.getManager().newSubManager()) {
        NDArray gradient = parameter.getGradient();
        gradient.attach(scratch);
        gradient.muli(scale);
      }
    }
    return norm;
  }

  /**
   * Whether every gradient is finite; a step with a NaN or infinite gradient should be skipped, not
   * applied.
   */
  public static boolean allFinite(List<NDArray> parameters) {
    return Double.isFinite(globalNorm(parameters));
  }
}
