package dev.feedloop.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.feedloop.model.NoGrad;
import java.util.ArrayList;
import java.util.List;

/**
 * AdamW with bias correction and decoupled weight decay, over plain NDArray parameters (e.g. the
 * LoRA A/B matrices). Per step t with gradient g and learning rate lr:
 *
 * <pre>
 *   m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2
 *   p = p (1 - lr wd)                                       (decoupled decay, as torch.optim.AdamW)
 *   p = p - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 * </pre>
 *
 * Parameters are updated in place outside gradient recording. The moments live in a manager owned
 * by the optimizer; each update runs in a scratch sub-manager so that no temporary outlives the
 * step.
 */
public final class AdamW implements AutoCloseable {
  private final List<NDArray> parameters;
  private final AdamWConfig config;
  private final NDManager stateManager;
  private final List<NDArray> firstMoments = new ArrayList<>();
  private final List<NDArray> secondMoments = new ArrayList<>();
  private int steps;

  public AdamW(List<NDArray> parameters, AdamWConfig config) {
    if (parameters.isEmpty()) {
      throw new IllegalArgumentException("no parameters to optimize");
    }
    this.parameters = List.copyOf(parameters);
    this.config = config;
    this.stateManager = parameters.get(0).getManager().newSubManager();
    for (NDArray parameter : this.parameters) {
      if (!parameter.hasGradient()) {
        throw new IllegalArgumentException(
            "parameter "
                + parameter.getName()
                + " "
                + parameter.getShape()
                + " does not require a gradient");
      }
      firstMoments.add(
          stateManager.zeros(parameter.getShape(), parameter.getDataType(), parameter.getDevice()));
      secondMoments.add(
          stateManager.zeros(parameter.getShape(), parameter.getDataType(), parameter.getDevice()));
    }
  }

  /**
   * An optimizer that goes on from saved state (a checkpoint): {@code steps} updates applied, and
   * the first and second moments of each parameter, in parameter order, as {@link #moments} gives
   * them.
   */
  public static AdamW restored(
      List<NDArray> parameters,
      AdamWConfig config,
      int steps,
      List<float[]> firstMoments,
      List<float[]> secondMoments) {
    if (steps < 0) {
      throw new IllegalArgumentException("steps must be >= 0, got " + steps);
    }
    if (firstMoments.size() != parameters.size() || secondMoments.size() != parameters.size()) {
      throw new IllegalArgumentException(
          "moments of "
              + firstMoments.size()
              + " and "
              + secondMoments.size()
              + " parameters given for "
              + parameters.size());
    }
    AdamW optimizer = new AdamW(parameters, config);
    for (int i = 0; i < parameters.size(); i++) {
      NDArray parameter = optimizer.parameters.get(i);
      // the zeros the constructor made give way to the saved moments
      optimizer.firstMoments.set(i, optimizer.moment(parameter, firstMoments.get(i), i)).close();
      optimizer.secondMoments.set(i, optimizer.moment(parameter, secondMoments.get(i), i)).close();
    }
    optimizer.steps = steps;
    return optimizer;
  }

  private NDArray moment(NDArray parameter, float[] values, int index) {
    if (values.length != parameter.size()) {
      throw new IllegalArgumentException(
          "moment of parameter "
              + index
              + " has "
              + values.length
              + " values, the parameter "
              + parameter.getShape());
    }
    return stateManager
        .create(values, parameter.getShape())
        .toType(parameter.getDataType(), false)
        .toDevice(parameter.getDevice(), false);
  }

  /**
   * Applies one update with the current gradients at the given learning rate. Does not zero the
   * gradients.
   */
  public void step(double learningRate) {
    // in place on leaves that require gradients: only allowed with grad mode off, which is
    // per thread in PyTorch (and on in a thread the engine was not started from)
    try (NoGrad ignored = NoGrad.enter()) {
      update(learningRate);
    }
  }

  private void update(double learningRate) {
    steps++;
    float firstCorrection = (float) (1 - Math.pow(config.beta1(), steps));
    float secondCorrection = (float) (1 - Math.pow(config.beta2(), steps));
    float decayFactor = (float) (1 - learningRate * config.weightDecay());
    for (int i = 0; i < parameters.size(); i++) {
      NDArray parameter = parameters.get(i);
      NDArray first = firstMoments.get(i);
      NDArray second = secondMoments.get(i);
      try (NDManager scratch = stateManager.newSubManager()) {
        NDArray gradient = parameter.getGradient();
        gradient.attach(
            scratch); // the gradient handle is a fresh wrapper each call: let it die with the step
        scratch.tempAttachAll(parameter, first, second);
        first.muli((float) config.beta1()).addi(gradient.mul((float) (1 - config.beta1())));
        second
            .muli((float) config.beta2())
            .addi(gradient.square().muli((float) (1 - config.beta2())));
        NDArray denominator = second.div(secondCorrection).sqrt().addi((float) config.epsilon());
        NDArray update = first.div(firstCorrection).divi(denominator).muli((float) learningRate);
        if (config.weightDecay() > 0) {
          parameter.muli(decayFactor);
        }
        parameter.subi(update);
      }
    }
  }

  /** Number of updates applied so far (t in the bias correction). */
  public int steps() {
    return steps;
  }

  public List<NDArray> parameters() {
    return parameters;
  }

  /** The first and second moments of parameter i (copies), for checkpoints and tests. */
  public float[][] moments(int index) {
    return new float[][] {
      firstMoments.get(index).toFloatArray(), secondMoments.get(index).toFloatArray()
    };
  }

  @Override
  public void close() {
    stateManager.close();
  }
}
