package dev.feedloop.model.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.feedloop.model.ModelConfig;

/**
 * The yardsticks of every throughput figure: a float32 matmul peak measured in the running process
 * (so a ratio to it means something on whatever machine runs the benchmark) and the FLOPs of a
 * forward pass.
 */
public final class Flops {
  private Flops() {}

  /** GFLOP/s of 20 back-to-back 1024x1024x1024 float32 matmuls, after 3 warm-up ones. */
  public static double matmulPeakGflops(Device device) {
    try (NDManager m = NDManager.newBaseManager(device)) {
      NDArray a = m.randomNormal(new Shape(1024, 1024));
      NDArray b = m.randomNormal(new Shape(1024, 1024));
      for (int i = 0; i < 3; i++) {
        a.matMul(b).close();
      }
      int reps = 20;
      long t0 = System.nanoTime();
      for (int i = 0; i < reps; i++) {
        NDArray c = a.matMul(b);
        c.getFloat(0, 0); // forces completion on asynchronous devices
        c.close();
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      return reps * 2.0 * 1024 * 1024 * 1024 / seconds / 1e9;
    }
  }

  /**
   * 2·(multiply-adds) of one forward over {@code batch} sequences of {@code seq} positions: the
   * linear projections and lm_head per token, plus Q·Kᵀ and attention·V over the full T×T score
   * matrix (computed whole, masked).
   */
  public static double forward(ModelConfig c, int batch, int seq) {
    double d = c.hiddenSize();
    double q = (double) c.numHeads() * c.headDim();
    double kv = (double) c.numKvHeads() * c.headDim();
    double perTokenLinear =
        c.numLayers() * (d * q + 2 * d * kv + q * d + 3 * d * c.intermediateSize())
            + d * c.vocabSize();
    double attentionPerSequence = c.numLayers() * 2.0 * seq * seq * q;
    return 2 * ((double) batch * seq * perTokenLinear + batch * attentionPerSequence);
  }
}
