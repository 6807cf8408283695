package dev.feedloop.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Qwen3: per-head RMSNorm of queries and keys, no biases, head_dim independent of hidden_size. */
class Qwen3Test {

  @TempDir Path tmp;

  static final long[] IDS = {1, 4, 6, 8, 9, 10, 2, 1};

  /** eps far below the squared activations, so the norm removes any scale of q and k exactly. */
  static ModelConfig config() {
    return TinyModels.qwen3().toBuilder().rmsNormEps(1e-12).build();
  }

  @Test
  void shapesFollowTheExplicitHeadDim() {
    ModelConfig c = config();
    assertThat(c.headDim()).isEqualTo(8);
    assertThat(Weights.projectionShape(c, "q_proj")).containsExactly(32, 16);
    assertThat(Weights.projectionShape(c, "k_proj")).containsExactly(16, 16);
    assertThat(Weights.projectionShape(c, "o_proj")).containsExactly(16, 32);
    assertThat(Weights.expectedShapes(c))
        .containsKey("model.layers.1.self_attn.q_norm.weight")
        .containsKey("model.layers.1.self_attn.k_norm.weight")
        .doesNotContainKey("model.layers.0.self_attn.q_proj.bias")
        .doesNotContainKey("model.layers.0.self_attn.o_proj.bias");
    assertThat(Weights.expectedShapes(c).get("model.layers.0.self_attn.q_norm.weight"))
        .containsExactly(8);
  }

  /**
   * The query and key heads are normalized before the scores: scaling q_proj and k_proj by 10
   * changes nothing in Qwen3, and multiplies the attention scores of the same weights without the
   * norms by 100.
   */
  @Test
  void queryAndKeyNormsRemoveTheScaleOfTheProjections() {
    ModelConfig qwen3 = config();
    ModelConfig noNorms = qwen3.withArchitecture(ModelConfig.LLAMA, false);
    int v = qwen3.vocabSize();
    try (CausalLM model = TinyModels.random(qwen3, 3);
        NDManager m = model.manager().newSubManager()) {
      Map<String, NDArray> named = model.weights().named(qwen3);
      Map<String, NDArray> scaled = new LinkedHashMap<>(named);
      for (int layer = 0; layer < qwen3.numLayers(); layer++) {
        String q = Weights.modulePath(layer, "q_proj") + ".weight";
        String k = Weights.modulePath(layer, "k_proj") + ".weight";
        scaled.put(q, named.get(q).mul(10));
        scaled.put(k, named.get(k).mul(10));
      }
      Map<String, NDArray> withoutNorms = new LinkedHashMap<>(named);
      Map<String, NDArray> scaledWithoutNorms = new LinkedHashMap<>(scaled);
      withoutNorms.keySet().removeIf(n -> n.contains("q_norm") || n.contains("k_norm"));
      scaledWithoutNorms.keySet().removeIf(n -> n.contains("q_norm") || n.contains("k_norm"));

      float[] base = logits(model, m);
      float[] qwen3Scaled = logits(sharing(model, qwen3, scaled), m);
      float[] llama = logits(sharing(model, noNorms, withoutNorms), m);
      float[] llamaScaled = logits(sharing(model, noNorms, scaledWithoutNorms), m);
      double llamaGap = 0;
      double normsGap = 0;
      for (int i = 0; i < base.length; i++) {
        assertThat(qwen3Scaled[i]).as("logit %d", i).isCloseTo(base[i], within(1e-4f));
        llamaGap = Math.max(llamaGap, Math.abs(llamaScaled[i] - llama[i]));
        normsGap = Math.max(normsGap, Math.abs(llama[i] - base[i]));
      }
      assertThat(llamaGap).as("the same scaling without q/k norms").isGreaterThan(1e-3);
      assertThat(normsGap).as("the norms are applied").isGreaterThan(1e-3);
      assertThat(base).hasSize(IDS.length * v);
    }
  }

  @Test
  void loadsFromACheckpointDirectory() throws Exception {
    Path dir = tmp.resolve("qwen3");
    try (CausalLM original = TinyModels.random(TinyModels.qwen3Windowed(), 5)) {
      TinyModels.writeDirectory(dir, original, "BF16", 1);
      try (LanguageModel loaded = LanguageModel.load(dir);
          NDManager m = original.manager().newSubManager()) {
        assertThat(loaded.model().config()).isEqualTo(original.config());
        float[] want = logits(original, m);
        float[] got = logits(loaded.model(), m);
        for (int i = 0; i < want.length; i++) {
          // bf16 weights: a few 1e-3 of rounding on logits of magnitude ~1
          assertThat(got[i]).as("logit %d", i).isCloseTo(want[i], within(0.05f));
        }
      }
    }
  }

  /** Another model over the same manager (closed with the original, never on its own). */
  private static CausalLM sharing(CausalLM model, ModelConfig c, Map<String, NDArray> named) {
    return new CausalLM(c, Weights.fromNamed(c, named), model.manager(), DataType.FLOAT32);
  }

  private static float[] logits(CausalLM model, NDManager m) {
    return SlidingWindowTest.forward(model, m, IDS, 0);
  }
}
