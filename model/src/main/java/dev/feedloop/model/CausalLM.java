package dev.feedloop.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import dev.feedloop.model.lora.LoraAdapter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Llama-family decoder-only transformer (Llama 2/3, Mistral, Qwen2, Qwen3): pre-norm blocks of
 * grouped-query attention with rotary positions and a SwiGLU MLP, RMSNorm throughout. Layers the
 * config types {@code sliding_attention} attend to a window of the latest positions only.
 *
 * <p>Every call computes in the manager of its input tokens: callers pass arrays from a per-step
 * sub-manager and close it afterwards, so nothing accumulates. The weights are read only, so one
 * instance serves any number of threads; a LoRA adapter, if any, is an argument of the call.
 */
public final class CausalLM implements AutoCloseable {

  /**
   * Additive attention bias for masked positions: large enough to vanish after softmax, finite so
   * fully masked rows stay NaN-free.
   */
  public static final float MASKED = -1e9f;

  private final ModelConfig config;
  private final Weights weights;
  private final NDManager manager;
  private final float[] inverseFrequencies;
  private final DataType dtype;

  public CausalLM(ModelConfig config, Weights weights, NDManager manager, DataType dtype) {
    this.config = config;
    this.weights = weights;
    this.manager = manager;
    this.dtype = dtype;
    this.inverseFrequencies =
        RopeScaling.inverseFrequencies(config.headDim(), config.ropeTheta(), config.ropeScaling());
  }

  /** Loads config.json and the safetensors weights of a Hugging Face model directory. */
  public static CausalLM load(Path modelDir, Device device, DataType dtype) throws IOException {
    ModelConfig config = ModelConfig.read(modelDir.resolve("config.json"));
    NDManager manager = NDManager.newBaseManager(device);
    try {
      return new CausalLM(config, Weights.load(modelDir, config, manager, dtype), manager, dtype);
    } catch (IOException | RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /** A model with random weights (tests, benchmarks). */
  public static CausalLM random(ModelConfig config, Device device, DataType dtype, long seed) {
    NDManager manager = NDManager.newBaseManager(device);
    return new CausalLM(config, Weights.random(config, manager, dtype, seed), manager, dtype);
  }

  public ModelConfig config() {
    return config;
  }

  public Weights weights() {
    return weights;
  }

  /**
   * The manager that owns the weights; adapters and per-request managers are created beneath it.
   */
  public NDManager manager() {
    return manager;
  }

  public DataType dtype() {
    return dtype;
  }

  public Device device() {
    return manager.getDevice();
  }

  // ---------------------------------------------------------------------------------------------
  // the forward pass

  /**
   * Next-token logits [B, T, vocab] for a batch of token ids [B, T].
   *
   * @param tokens int64 ids [B, T]; their manager receives every intermediate and the result
   * @param positions int64 rotary positions [B, T] (with left padding, real tokens start at 0)
   * @param keyMask [B, past + T], 1 for real tokens and 0 for padding, over all cached and new
   *     positions
   * @param cache keys and values of earlier positions; extended with these tokens; null for none
   * @param lora adapter to apply, or null for the base model (the reference policy)
   * @param train applies LoRA dropout
   */
  public NDArray forward(
      NDArray tokens,
      NDArray positions,
      NDArray keyMask,
      KvCache cache,
      LoraAdapter lora,
      boolean train) {
    NDArray hidden = decoder(tokens, positions, masks(keyMask, cache, tokens), cache, lora, train);
    return linear(hidden, weights.lmHead(), null);
  }

  /**
   * Next-token logits [B, vocab] at the last position of each row only: the prefill of generation,
   * which needs no logits for the prompt's other positions (with left padding every row's last
   * prompt token sits in the last column). Arguments as in {@link #forward}.
   */
  public NDArray lastPositionLogits(
      NDArray tokens, NDArray positions, NDArray keyMask, KvCache cache, LoraAdapter lora) {
    NDArray hidden = decoder(tokens, positions, masks(keyMask, cache, tokens), cache, lora, false);
    return linear(hidden.get(":, -1, :"), weights.lmHead(), null);
  }

  /**
   * One decoding step: next-token logits [B, vocab] for one new token per row.
   *
   * @param tokens int64 ids [B, 1]
   * @param positions int64 rotary positions [B, 1]
   * @param keyBias additive attention bias [B, past + 1] over the cached positions and this one: 0
   *     where a key is visible, {@link #MASKED} for padding. The caller keeps it and appends a
   *     column per step, so no mask is rebuilt: a single query at the end of the cache sees every
   *     earlier position (causality holds by construction); a sliding layer sees the last {@code
   *     window} of them.
   */
  public NDArray stepLogits(
      NDArray tokens, NDArray positions, NDArray keyBias, KvCache cache, LoraAdapter lora) {
    NDManager m = tokens.getManager();
    long b = keyBias.getShape().get(0);
    long s = keyBias.getShape().get(1);
    NDArray full = own(m, keyBias.reshape(b, 1, 1, 1, s));
    NDArray sliding = null;
    if (config.hasSlidingLayers()) {
      // the query sits in the last column: keys more than window - 1 columns earlier are hidden
      long hidden = Math.max(0, s - config.slidingWindow());
      sliding =
          hidden == 0
              ? full
              : m.full(new Shape(b, hidden), MASKED, keyBias.getDataType())
                  .concat(own(m, keyBias.get(":, " + hidden + ":")), 1)
                  .reshape(b, 1, 1, 1, s);
    }
    NDArray hidden = decoder(tokens, positions, new Masks(full, sliding), cache, lora, false);
    return linear(hidden.get(":, -1, :"), weights.lmHead(), null);
  }

  /**
   * Converts a 0/1 key mask [B, S] into the additive bias {@link #stepLogits} takes: 0 where 1,
   * {@link #MASKED} where 0.
   */
  public NDArray keyBias(NDArray keyMask) {
    return keyMask.toType(dtype, false).sub(1).mul(-MASKED);
  }

  /** The additive masks of full-attention and of sliding layers; null where no layer needs one. */
  private record Masks(NDArray full, NDArray sliding) {}

  private Masks masks(NDArray keyMask, KvCache cache, NDArray tokens) {
    int past = cache == null ? 0 : cache.length();
    int t = (int) tokens.getShape().get(1);
    return new Masks(
        config.hasFullAttentionLayers() ? attentionMask(keyMask, past, t, null) : null,
        config.hasSlidingLayers() ? attentionMask(keyMask, past, t, config.slidingWindow()) : null);
  }

  /**
   * The transformer below lm_head: embeddings, the decoder layers and the final norm, [B, T, d].
   */
  private NDArray decoder(
      NDArray tokens,
      NDArray positions,
      Masks masks,
      KvCache cache,
      LoraAdapter lora,
      boolean train) {
    NDManager m = tokens.getManager();
    NDArray x = own(m, weights.embedTokens().get(new NDIndex("{}", tokens))); // [B, T, d]
    NDArray[] rope = rotary(positions);
    for (int i = 0; i < config.numLayers(); i++) {
      Weights.Layer w = weights.layers().get(i);
      NDArray mask = config.isSliding(i) ? masks.sliding() : masks.full();
      x = x.add(attention(i, w, rmsNorm(x, w.attnNorm()), rope, mask, cache, lora, train));
      x = x.add(mlp(i, w, rmsNorm(x, w.mlpNorm()), lora, train));
    }
    return rmsNorm(x, weights.finalNorm());
  }

  /** x / rms(x) · w, the mean of squares taken over the hidden dimension. */
  private NDArray rmsNorm(NDArray x, NDArray w) {
    int last = x.getShape().dimension() - 1;
    NDArray inverseRms = x.square().mean(new int[] {last}, true).add(config.rmsNormEps()).pow(-0.5);
    return x.mul(inverseRms).mul(w);
  }

  private NDArray attention(
      int layer,
      Weights.Layer w,
      NDArray x,
      NDArray[] rope,
      NDArray mask,
      KvCache cache,
      LoraAdapter lora,
      boolean train) {
    long b = x.getShape().get(0);
    long t = x.getShape().get(1);
    int hd = config.headDim();
    int kvHeads = config.numKvHeads();
    int group = config.queriesPerKv();

    NDArray q =
        project(layer, "q_proj", x, w.wq(), w.bq(), lora, train)
            .reshape(b, t, config.numHeads(), hd);
    NDArray k = project(layer, "k_proj", x, w.wk(), w.bk(), lora, train).reshape(b, t, kvHeads, hd);
    NDArray v = project(layer, "v_proj", x, w.wv(), w.bv(), lora, train).reshape(b, t, kvHeads, hd);
    if (config.queryKeyNorm()) {
      // Qwen3: each head's query and key RMS-normalized over head_dim, before the rotation
      q = rmsNorm(q, w.qNorm());
      k = rmsNorm(k, w.kNorm());
    }
    q = rotate(q, rope);
    k = rotate(k, rope);

    // Query heads that share a key/value head form a group: q [B, kvHeads, group, T, hd]
    // against k, v [B, kvHeads, 1, S, hd]; broadcasting stands in for repeating k and v.
    q = q.reshape(b, t, kvHeads, group, hd).transpose(0, 2, 3, 1, 4);
    k = k.transpose(0, 2, 1, 3);
    v = v.transpose(0, 2, 1, 3);
    NDManager m = x.getManager();
    if (cache != null) {
      NDArray[] kv = cache.append(layer, k, v);
      k = own(m, kv[0].expandDims(2));
      v = own(m, kv[1].expandDims(2));
    } else {
      k = k.expandDims(2);
      v = v.expandDims(2);
    }
    NDArray scores = q.matMul(k.transpose(0, 1, 2, 4, 3)).mul(1.0 / Math.sqrt(hd)).add(mask);
    NDArray out = scores.softmax(4).matMul(v); // [B, kvHeads, group, T, hd]
    out = out.transpose(0, 3, 1, 2, 4).reshape(b, t, (long) config.numHeads() * hd);
    return project(layer, "o_proj", out, w.wo(), w.bo(), lora, train);
  }

  /** SwiGLU: down(silu(gate(x)) · up(x)). */
  private NDArray mlp(int layer, Weights.Layer w, NDArray x, LoraAdapter lora, boolean train) {
    NDArray gate = project(layer, "gate_proj", x, w.wGate(), null, lora, train);
    NDArray up = project(layer, "up_proj", x, w.wUp(), null, lora, train);
    NDArray silu = gate.mul(Activation.sigmoid(gate));
    return project(layer, "down_proj", silu.mul(up), w.wDown(), null, lora, train);
  }

  /** x·Wᵀ + b, plus the LoRA update scale·(x·Aᵀ)·Bᵀ when this projection is adapted. */
  private NDArray project(
      int layer,
      String name,
      NDArray x,
      NDArray weight,
      NDArray bias,
      LoraAdapter lora,
      boolean train) {
    NDArray y = linear(x, weight, bias);
    LoraAdapter.Factors ab = lora == null ? null : lora.factors(layer, name);
    if (ab == null) {
      return y;
    }
    double p = lora.config().dropout();
    NDArray input = train && p > 0 ? Dropout.dropout(x, (float) p, true).singletonOrThrow() : x;
    return y.add(linear(linear(input, ab.a(), null), ab.b(), null).mul(lora.scale()));
  }

  private static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
    return Linear.linear(x, weight, bias).singletonOrThrow();
  }

  /** cos and sin of position·frequency, [B, T, 1, headDim/2], broadcast over heads. */
  private NDArray[] rotary(NDArray positions) {
    NDManager m = positions.getManager();
    NDArray freqs = m.create(inverseFrequencies);
    NDArray angles =
        positions.toType(DataType.FLOAT32, false).expandDims(2).mul(freqs).toType(dtype, false);
    return new NDArray[] {angles.cos().expandDims(2), angles.sin().expandDims(2)};
  }

  /**
   * Rotates each (x1[i], x2[i]) pair, with x1 and x2 the two halves of a head: the "rotate half"
   * layout of Hugging Face checkpoints (not the interleaved one of the original Llama code).
   */
  private NDArray rotate(NDArray x, NDArray[] rope) {
    int half = config.headDim() / 2;
    NDArray cos = rope[0];
    NDArray sin = rope[1];
    NDArray x1 = x.get("..., :" + half);
    NDArray x2 = x.get("..., " + half + ":");
    return x1.mul(cos).sub(x2.mul(sin)).concat(x2.mul(cos).add(x1.mul(sin)), 3);
  }

  /**
   * Additive mask [B, 1, 1, T, S]: 0 where query t (at cache index past + t) may attend to key s, a
   * large negative number elsewhere. Allowed: s is not padding, s is not later than the query, and
   * with a {@code window}, s is one of the window's latest positions: query - window &lt; s &le;
   * query, transformers' {@code sliding_window_overlay}. Indices count cache slots, padding
   * included; left padding shifts a row's query and keys alike, so distances between its real
   * tokens are their position differences.
   */
  private NDArray attentionMask(NDArray keyMask, int past, int t, Integer window) {
    NDManager m = keyMask.getManager();
    long b = keyMask.getShape().get(0);
    long s = keyMask.getShape().get(1);
    NDArray queryIndex = m.arange(past, past + t).reshape(t, 1);
    NDArray keyIndex = m.arange(0, (int) s).reshape(1, s);
    NDArray visible = keyIndex.lte(queryIndex); // [T, S]
    if (window != null) {
      visible = visible.logicalAnd(keyIndex.gt(queryIndex.sub(window)));
    }
    NDArray causal = visible.toType(dtype, false);
    NDArray allowed = causal.mul(keyMask.toType(dtype, false).reshape(b, 1, s)); // [B, T, S]
    return allowed.sub(1).mul(-MASKED).reshape(b, 1, 1, t, s);
  }

  /**
   * Results of ops on arrays owned elsewhere (weights, cache) are moved into the step's manager.
   */
  private static NDArray own(NDManager m, NDArray a) {
    a.attach(m);
    return a;
  }

  // ---------------------------------------------------------------------------------------------
  // log-probabilities of completions

  /** A prompt and a completion, as token ids. The prompt must not be empty. */
  public record Sequence(long[] prompt, long[] completion) {
    public Sequence {
      if (prompt.length == 0) {
        throw new IllegalArgumentException("the prompt needs at least one token (e.g. BOS)");
      }
    }
  }

  /**
   * Log-probabilities of the completion tokens, arrays in the caller's manager. Column j of {@code
   * perToken} is log p(token j+1 | tokens 0..j); {@code mask} is 1 exactly where token j+1 belongs
   * to the completion, so prompt and padding contribute nothing.
   *
   * @param sum [B] total log-prob of each completion
   * @param mean [B] sum / completion length
   * @param perToken [B, L-1], zero outside completions
   * @param mask [B, L-1]
   * @param meanLogit [B] the raw logits averaged over the vocabulary and the completion tokens (a
   *     training metric: TRL's logits/chosen)
   */
  public record LogProbs(
      NDArray sum, NDArray mean, NDArray perToken, NDArray mask, NDArray meanLogit) {

    /** The completion tokens' log-probs of sequence {@code i}, copied to the heap. */
    public float[] completionLogProbs(int i) {
      float[] row = perToken.get(i).toType(DataType.FLOAT32, false).toFloatArray();
      float[] keep = mask.get(i).toType(DataType.FLOAT32, false).toFloatArray();
      List<Float> out = new ArrayList<>();
      for (int j = 0; j < row.length; j++) {
        if (keep[j] > 0) {
          out.add(row[j]);
        }
      }
      float[] r = new float[out.size()];
      for (int j = 0; j < r.length; j++) {
        r[j] = out.get(j);
      }
      return r;
    }
  }

  /**
   * Completion log-probs of a right-padded batch, computed in {@code m}. Autograd records this when
   * the caller holds a GradientCollector and the adapter is trainable; {@code train} turns on LoRA
   * dropout.
   */
  public LogProbs logProbs(NDManager m, List<Sequence> batch, LoraAdapter lora, boolean train) {
    int rows = batch.size();
    int len = 0;
    for (Sequence s : batch) {
      len = Math.max(len, s.prompt().length + s.completion().length);
    }
    int steps = len - 1; // predict tokens 1..len-1 from tokens 0..len-2
    long[] inputs = new long[rows * steps];
    long[] targets = new long[rows * steps];
    float[] real = new float[rows * steps];
    float[] inCompletion = new float[rows * steps];
    for (int r = 0; r < rows; r++) {
      Sequence s = batch.get(r);
      long[] ids = new long[s.prompt().length + s.completion().length];
      System.arraycopy(s.prompt(), 0, ids, 0, s.prompt().length);
      System.arraycopy(s.completion(), 0, ids, s.prompt().length, s.completion().length);
      for (int j = 0; j < steps; j++) {
        int at = r * steps + j;
        inputs[at] = j < ids.length ? ids[j] : 0;
        targets[at] = j + 1 < ids.length ? ids[j + 1] : 0;
        real[at] = j < ids.length ? 1 : 0;
        inCompletion[at] = j + 1 >= s.prompt().length && j + 1 < ids.length ? 1 : 0;
      }
    }
    Shape shape = new Shape(rows, steps);
    NDArray tokens = m.create(inputs, shape);
    NDArray positions =
        m.arange(0, steps).toType(DataType.INT64, false).reshape(1, steps).repeat(0, rows);
    NDArray logits = forward(tokens, positions, m.create(real, shape), null, lora, train);
    NDArray target = m.create(targets, shape).expandDims(2);
    NDArray logp = logits.logSoftmax(2).gather(target, 2).squeeze(2);
    NDArray mask = m.create(inCompletion, shape).toType(dtype, false);
    NDArray perToken = logp.mul(mask);
    NDArray sum = perToken.sum(new int[] {1});
    NDArray completionTokens = mask.sum(new int[] {1}).maximum(1);
    NDArray mean = sum.div(completionTokens);
    NDArray meanLogit =
        logits.mean(new int[] {2}).mul(mask).sum(new int[] {1}).div(completionTokens);
    return new LogProbs(sum, mean, perToken, mask, meanLogit);
  }

  /**
   * Per-sequence log-probs without autograd, e.g. a reference policy's; nothing stays in native
   * memory.
   */
  public record Score(double sum, double mean, float[] perToken) {}

  public List<Score> score(List<Sequence> batch, LoraAdapter lora) {
    List<Score> out = new ArrayList<>();
    try (NoGrad ignored = NoGrad.enter();
        NDManager m = manager.newSubManager()) {
      LogProbs lp = logProbs(m, batch, lora, false);
      double[] sums = toDoubles(lp.sum());
      double[] means = toDoubles(lp.mean());
      for (int i = 0; i < batch.size(); i++) {
        out.add(new Score(sums[i], means[i], lp.completionLogProbs(i)));
      }
    }
    return out;
  }

  static double[] toDoubles(NDArray a) {
    return a.toType(DataType.FLOAT64, false).toDoubleArray();
  }

  @Override
  public void close() {
    manager.close();
  }
}
