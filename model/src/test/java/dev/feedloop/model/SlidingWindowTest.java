package dev.feedloop.model;

import static dev.feedloop.model.ForwardTest.TOLERANCE;
import static dev.feedloop.model.ForwardTest.positions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Sliding-window attention: a query at position i sees keys i - window &lt; j &le; i (window keys,
 * itself included), in the full forward, in left-padded batches and while decoding with a KV cache.
 */
class SlidingWindowTest {

  static final int W = TinyModels.WINDOW;
  static final long[] IDS = {1, 4, 6, 8, 9, 10, 2, 1, 5, 11, 12, 13};

  /** One layer of Mistral, with and without its window: otherwise the same network. */
  static ModelConfig oneLayer(boolean windowed) {
    ModelConfig c =
        ModelConfig.llama(TinyModels.WORDS.size(), 16, 32, 1, 4, 2)
            .withArchitecture(ModelConfig.MISTRAL, false);
    return windowed ? c.withSlidingWindow(W, TinyModels.layers(TinyModels.SLIDING)) : c;
  }

  /**
   * With one layer, attention scores depend on positions only through their differences (rotary
   * embeddings are relative), so the windowed logit at position i must equal a full-attention
   * forward over exactly tokens i-W+1..i at their own positions, and must not equal one over the
   * W+1 latest tokens: the window holds W keys, the query's own included.
   */
  @Test
  void oneLayerWindowSeesExactlyTheLatestWindowPositions() {
    int v = TinyModels.WORDS.size();
    try (CausalLM windowed = TinyModels.random(oneLayer(true), 5);
        CausalLM full = TinyModels.random(oneLayer(false), 5);
        NDManager m = windowed.manager().newSubManager()) {
      float[] got = forward(windowed, m, IDS, 0);
      for (int i = W; i < IDS.length; i++) {
        float[] slice = forward(full, m, Arrays.copyOfRange(IDS, i - W + 1, i + 1), i - W + 1);
        float[] wider = forward(full, m, Arrays.copyOfRange(IDS, i - W, i + 1), i - W);
        double widerGap = 0;
        for (int k = 0; k < v; k++) {
          assertThat(got[i * v + k])
              .as("position %d logit %d", i, k)
              .isCloseTo(slice[(W - 1) * v + k], within(TOLERANCE));
          widerGap = Math.max(widerGap, Math.abs(got[i * v + k] - wider[W * v + k]));
        }
        assertThat(widerGap).as("position %d against W+1 keys", i).isGreaterThan(1e-3);
      }
    }
  }

  /** The window is not ignored: logits agree before it fills and differ after. */
  @Test
  void theWindowChangesTheLogitsOncePositionsFallOutOfIt() {
    int v = TinyModels.WORDS.size();
    ModelConfig windowed = TinyModels.mistralWindowed();
    ModelConfig unwindowed = windowed.withSlidingWindow(null, null);
    try (CausalLM a = TinyModels.random(windowed, 9);
        CausalLM b = TinyModels.random(unwindowed, 9);
        NDManager m = a.manager().newSubManager()) {
      float[] withWindow = forward(a, m, IDS, 0);
      float[] without = forward(b, m, IDS, 0);
      for (int i = 0; i < IDS.length; i++) {
        double gap = 0;
        for (int k = 0; k < v; k++) {
          gap = Math.max(gap, Math.abs(withWindow[i * v + k] - without[i * v + k]));
        }
        if (i < W) {
          assertThat(gap).as("position %d, inside the window", i).isLessThan(TOLERANCE);
        } else {
          assertThat(gap).as("position %d, beyond the window", i).isGreaterThan(1e-3);
        }
      }
    }
  }

  static Stream<Arguments> windowed() {
    return Stream.of(
        Arguments.of("mistral", TinyModels.mistralWindowed()),
        Arguments.of("qwen2-second-layer", TinyModels.qwen2Windowed()),
        Arguments.of("qwen3-first-layer", TinyModels.qwen3Windowed()));
  }

  /**
   * What generation does: prompts of 4 and 9 tokens left-padded into one batch, prefilled at once
   * into a KV cache, then one token per row per step. Every real position's logits must be those of
   * an unpadded forward over that row alone.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("windowed")
  void leftPaddedPrefillAndCachedDecodingMatchUnpaddedForwards(String name, ModelConfig config) {
    long[][] prompts = {{1, 4, 6, 8}, {1, 7, 9, 10, 11, 12, 13, 14, 15}};
    long[][] continuations = {{16, 17, 18, 19, 20}, {21, 22, 23, 24, 25}};
    int rows = prompts.length;
    int width = prompts[1].length;
    int steps = continuations[0].length;
    int v = config.vocabSize();
    try (CausalLM model = TinyModels.random(config, 13);
        NDManager m = model.manager().newSubManager()) {
      float[][] expected = new float[rows][];
      for (int r = 0; r < rows; r++) {
        long[] all = new long[prompts[r].length + steps];
        System.arraycopy(prompts[r], 0, all, 0, prompts[r].length);
        System.arraycopy(continuations[r], 0, all, prompts[r].length, steps);
        expected[r] = forward(model, m, all, 0);
      }

      long[] tokens = new long[rows * width];
      long[] pos = new long[rows * width];
      List<float[]> maskRows = new ArrayList<>();
      for (int r = 0; r < rows; r++) {
        maskRows.add(new float[width + steps]);
        int pad = width - prompts[r].length;
        for (int c = 0; c < width; c++) {
          boolean real = c >= pad;
          tokens[r * width + c] = real ? prompts[r][c - pad] : 0;
          pos[r * width + c] = real ? c - pad : 0;
          maskRows.get(r)[c] = real ? 1 : 0;
        }
      }
      KvCache cache = new KvCache(m, config.numLayers());
      float[] prefill =
          model
              .forward(
                  m.create(tokens, new Shape(rows, width)),
                  m.create(pos, new Shape(rows, width)),
                  keyMask(m, maskRows, width),
                  cache,
                  null,
                  false)
              .toFloatArray();
      for (int r = 0; r < rows; r++) {
        int pad = width - prompts[r].length;
        for (int p = 0; p < prompts[r].length; p++) {
          assertClose(prefill, (r * width + pad + p) * v, expected[r], p * v, v, name + " prefill");
        }
      }
      for (int step = 0; step < steps; step++) {
        long[] next = new long[rows];
        long[] nextPos = new long[rows];
        for (int r = 0; r < rows; r++) {
          next[r] = continuations[r][step];
          nextPos[r] = prompts[r].length + step;
          maskRows.get(r)[width + step] = 1;
        }
        try (NDManager s = m.newSubManager()) {
          float[] logits =
              model
                  .forward(
                      s.create(next, new Shape(rows, 1)),
                      s.create(nextPos, new Shape(rows, 1)),
                      keyMask(s, maskRows, width + step + 1),
                      cache,
                      null,
                      false)
                  .toFloatArray();
          for (int r = 0; r < rows; r++) {
            int at = prompts[r].length + step;
            assertClose(logits, r * v, expected[r], at * v, v, name + " step " + step);
          }
        }
      }
    }
  }

  /** Batched greedy generation with a window picks what full forwards over each row pick. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("windowed")
  void greedyGenerationFollowsTheFullForward(String name, ModelConfig config) {
    List<long[]> prompts = List.of(new long[] {1, 4, 6}, new long[] {1, 7, 9, 10, 11, 12, 13});
    int v = config.vocabSize();
    try (CausalLM model = TinyModels.random(config, 17);
        NDManager m = model.manager().newSubManager()) {
      List<List<Completion>> out =
          new Generator(model, Set.of(), null).generate(prompts, SamplingParams.greedy(8), null);
      for (int r = 0; r < prompts.size(); r++) {
        Completion c = out.get(r).get(0);
        assertThat(c.tokens()).hasSize(8);
        long[] ids = Arrays.copyOf(prompts.get(r), prompts.get(r).length + 8);
        System.arraycopy(c.tokens(), 0, ids, prompts.get(r).length, 8);
        float[] logits = forward(model, m, ids, 0);
        for (int k = 0; k < 8; k++) {
          int at = prompts.get(r).length - 1 + k;
          assertThat(c.tokens()[k])
              .as("%s row %d token %d", name, r, k)
              .isEqualTo(Sampler.argmax(logits, at * v, v));
        }
      }
    }
  }

  static float[] forward(CausalLM model, NDManager m, long[] ids, int firstPosition) {
    int t = ids.length;
    return model
        .forward(
            m.create(ids, new Shape(1, t)),
            positions(m, firstPosition, t),
            m.ones(new Shape(1, t)),
            null,
            null,
            false)
        .toFloatArray();
  }

  private static NDArray keyMask(NDManager m, List<float[]> rows, int columns) {
    float[] flat = new float[rows.size() * columns];
    for (int r = 0; r < rows.size(); r++) {
      System.arraycopy(rows.get(r), 0, flat, r * columns, columns);
    }
    return m.create(flat, new Shape(rows.size(), columns));
  }

  private static void assertClose(
      float[] got, int gotFrom, float[] want, int wantFrom, int n, String what) {
    for (int k = 0; k < n; k++) {
      assertThat(got[gotFrom + k])
          .as("%s logit %d", what, k)
          .isCloseTo(want[wantFrom + k], within(TOLERANCE));
    }
  }
}
