package dev.feedloop.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Turns autograd recording off on the current thread (PyTorch's grad mode is thread-local), for
 * inference and reference log-probs inside a trainer's GradientCollector scope.
 */
public final class NoGrad implements AutoCloseable {

  private final boolean previous;
  private final boolean pytorch;

  private NoGrad() {
    pytorch = "PyTorch".equals(Engine.getInstance().getEngineName());
    previous = pytorch && JniUtils.isGradMode();
    if (pytorch) {
      JniUtils.setGradMode(false);
    }
  }

  public static NoGrad enter() {
    return new NoGrad();
  }

  @Override
  public void close() {
    if (pytorch) {
      JniUtils.setGradMode(previous);
    }
  }
}
