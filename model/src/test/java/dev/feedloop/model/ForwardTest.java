package dev.feedloop.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The incremental (KV cache) and padded paths must compute the same function as a plain forward.
 */
class ForwardTest {

  /**
   * float32 on CPU: the cached path sums in another order; 1e-4 on logits of magnitude ~1 is far
   * below any decision.
   */
  static final float TOLERANCE = 1e-4f;

  static Stream<Arguments> configs() {
    return Stream.of(
        Arguments.of("llama-gqa", TinyModels.llama()),
        Arguments.of("qwen2-bias-tied", TinyModels.qwen2Tied()),
        Arguments.of("llama3-rope-scaling", TinyModels.llama3Scaled()),
        Arguments.of(
            "linear-rope-scaling", TinyModels.llama().withRopeScaling(RopeScaling.linear(2.0))),
        Arguments.of("qwen3-qk-norm-head-dim", TinyModels.qwen3()),
        // windows of 3 positions, shorter than the sequences below
        Arguments.of("mistral-sliding-window", TinyModels.mistralWindowed()),
        Arguments.of("qwen2-second-layer-slides", TinyModels.qwen2Windowed()),
        Arguments.of("qwen3-first-layer-slides", TinyModels.qwen3Windowed()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void kvCacheDecodingGivesTheLogitsOfAFullForward(String name, ModelConfig config) {
    long[] ids = {1, 4, 6, 8, 9, 10, 2, 1, 5, 11, 12, 13};
    int t = ids.length;
    try (CausalLM model = TinyModels.random(config, 7);
        NDManager m = model.manager().newSubManager()) {
      NDArray full =
          model.forward(
              m.create(ids, new Shape(1, t)),
              positions(m, 0, t),
              m.ones(new Shape(1, t)),
              null,
              null,
              false);
      float[] expected = full.toFloatArray();

      // prefill 5 tokens, then one token at a time
      KvCache cache = new KvCache(m, config.numLayers());
      int prefill = 5;
      long[] first = java.util.Arrays.copyOf(ids, prefill);
      float[] got = new float[expected.length];
      NDArray logits =
          model.forward(
              m.create(first, new Shape(1, prefill)),
              positions(m, 0, prefill),
              m.ones(new Shape(1, prefill)),
              cache,
              null,
              false);
      System.arraycopy(logits.toFloatArray(), 0, got, 0, prefill * config.vocabSize());
      for (int i = prefill; i < t; i++) {
        try (NDManager step = m.newSubManager()) {
          NDArray l =
              model.forward(
                  step.create(new long[] {ids[i]}, new Shape(1, 1)),
                  positions(step, i, 1),
                  step.ones(new Shape(1, i + 1)),
                  cache,
                  null,
                  false);
          System.arraycopy(l.toFloatArray(), 0, got, i * config.vocabSize(), config.vocabSize());
        }
      }
      assertThat(cache.length()).isEqualTo(t);
      for (int i = 0; i < expected.length; i++) {
        assertThat(got[i]).as("logit %d", i).isCloseTo(expected[i], within(TOLERANCE));
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void leftPaddingDoesNotChangeTheLogitsOfRealTokens(String name, ModelConfig config) {
    long[] ids = {1, 4, 6, 8, 9};
    int pad = 3;
    int t = ids.length + pad;
    try (CausalLM model = TinyModels.random(config, 11);
        NDManager m = model.manager().newSubManager()) {
      float[] alone =
          model
              .forward(
                  m.create(ids, new Shape(1, ids.length)),
                  positions(m, 0, ids.length),
                  m.ones(new Shape(1, ids.length)),
                  null,
                  null,
                  false)
              .toFloatArray();
      // row 0: the same prompt behind 3 padding tokens; row 1: a full-length other prompt
      long[] batch = new long[2 * t];
      long[] pos = new long[2 * t];
      float[] mask = new float[2 * t];
      for (int c = 0; c < t; c++) {
        batch[c] = c < pad ? 0 : ids[c - pad];
        pos[c] = c < pad ? 0 : c - pad;
        mask[c] = c < pad ? 0 : 1;
        batch[t + c] = 3 + c;
        pos[t + c] = c;
        mask[t + c] = 1;
      }
      float[] padded =
          model
              .forward(
                  m.create(batch, new Shape(2, t)),
                  m.create(pos, new Shape(2, t)),
                  m.create(mask, new Shape(2, t)),
                  null,
                  null,
                  false)
              .toFloatArray();
      int v = config.vocabSize();
      for (int i = 0; i < ids.length * v; i++) {
        assertThat(padded[pad * v + i]).isCloseTo(alone[i], within(TOLERANCE));
      }
    }
  }

  static NDArray positions(NDManager m, int from, int count) {
    long[] p = new long[count];
    for (int i = 0; i < count; i++) {
      p[i] = from + i;
    }
    return m.create(p, new Shape(1, count));
  }
}
