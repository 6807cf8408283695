package dev.feedloop.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * One trainable LoRA tensor.
 *
 * @param name PEFT's name, e.g. {@code
 *     base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight}
 * @param array the live tensor; an optimizer updates it in place
 */
public record LoraParameter(String name, NDArray array) {

  /**
   * The accumulated gradient. DJL hands out a new handle per call, owned by the parameter's
   * manager; we move it to {@code stepManager} so reading gradients every step does not grow
   * memory.
   */
  public NDArray gradient(NDManager stepManager) {
    NDArray g = array.getGradient();
    g.attach(stepManager);
    return g;
  }

  /**
   * Gradients accumulate across backward passes (PyTorch semantics); call this before each step.
   */
  public void zeroGradient() {
    if (!array.hasGradient()) {
      return;
    }
    if (array instanceof PtNDArray pt) {
      JniUtils.zeroGrad(pt); // grad.zero_(): no temporaries, and clears a NaN too
      return;
    }
    try (NDArray g = array.getGradient()) {
      g.set(new NDIndex("..."), 0);
    }
  }
}
