package dev.feedloop.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.feedloop.model.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;

/**
 * The base model's tensors, named and shaped as in Hugging Face checkpoints (a linear layer's
 * weight is [out, in]). They are never modified after loading: LoRA adds to them on the fly.
 */
public record Weights(NDArray embedTokens, List<Layer> layers, NDArray finalNorm, NDArray lmHead) {

  /**
   * One decoder block. Biases are null unless the config has them (Qwen2: q/k/v; Llama and Qwen3
   * with attention_bias: q/k/v/o); qNorm and kNorm, Qwen3's per-head RMSNorm weights of size
   * head_dim, are null for the other families.
   */
  public record Layer(
      NDArray attnNorm,
      NDArray wq,
      NDArray bq,
      NDArray wk,
      NDArray bk,
      NDArray wv,
      NDArray bv,
      NDArray wo,
      NDArray bo,
      NDArray qNorm,
      NDArray kNorm,
      NDArray mlpNorm,
      NDArray wGate,
      NDArray wUp,
      NDArray wDown) {

    public NDArray projection(String name) {
      return switch (name) {
        case "q_proj" -> wq;
        case "k_proj" -> wk;
        case "v_proj" -> wv;
        case "o_proj" -> wo;
        case "gate_proj" -> wGate;
        case "up_proj" -> wUp;
        case "down_proj" -> wDown;
        default -> throw new IllegalArgumentException("no projection named " + name);
      };
    }
  }

  /** The seven linear projections of a block, in the order they appear in HF checkpoints. */
  public static final List<String> PROJECTIONS =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  private static final java.util.Set<String> MLP_PROJECTIONS =
      java.util.Set.of("gate_proj", "up_proj", "down_proj");

  /** HF module path of a projection: {@code model.layers.3.self_attn.q_proj}. */
  public static String modulePath(int layer, String projection) {
    String block = MLP_PROJECTIONS.contains(projection) ? "mlp" : "self_attn";
    return "model.layers." + layer + "." + block + "." + projection;
  }

  /** [out, in] of a projection for this config. */
  public static long[] projectionShape(ModelConfig c, String projection) {
    long d = c.hiddenSize();
    long q = (long) c.numHeads() * c.headDim();
    long kv = (long) c.numKvHeads() * c.headDim();
    long ff = c.intermediateSize();
    return switch (projection) {
      case "q_proj" -> new long[] {q, d};
      case "k_proj", "v_proj" -> new long[] {kv, d};
      case "o_proj" -> new long[] {d, q};
      case "gate_proj", "up_proj" -> new long[] {ff, d};
      case "down_proj" -> new long[] {d, ff};
      default -> throw new IllegalArgumentException("no projection named " + projection);
    };
  }

  /** Every tensor the config requires, with its expected shape, by HF name. */
  public static Map<String, long[]> expectedShapes(ModelConfig c) {
    Map<String, long[]> m = new LinkedHashMap<>();
    long d = c.hiddenSize();
    m.put("model.embed_tokens.weight", new long[] {c.vocabSize(), d});
    for (int i = 0; i < c.numLayers(); i++) {
      m.put("model.layers." + i + ".input_layernorm.weight", new long[] {d});
      for (String p : PROJECTIONS) {
        m.put(modulePath(i, p) + ".weight", projectionShape(c, p));
        boolean qkv = p.equals("q_proj") || p.equals("k_proj") || p.equals("v_proj");
        if ((qkv && c.attentionBias()) || (p.equals("o_proj") && c.outputBias())) {
          m.put(modulePath(i, p) + ".bias", new long[] {projectionShape(c, p)[0]});
        }
      }
      if (c.queryKeyNorm()) {
        m.put("model.layers." + i + ".self_attn.q_norm.weight", new long[] {c.headDim()});
        m.put("model.layers." + i + ".self_attn.k_norm.weight", new long[] {c.headDim()});
      }
      m.put("model.layers." + i + ".post_attention_layernorm.weight", new long[] {d});
    }
    m.put("model.norm.weight", new long[] {d});
    if (!c.tieWordEmbeddings()) {
      m.put("lm_head.weight", new long[] {c.vocabSize(), d});
    }
    return m;
  }

  /** Assembles the record from named tensors (which must be complete and correctly shaped). */
  public static Weights fromNamed(ModelConfig c, Map<String, NDArray> t) {
    List<Layer> layers = new ArrayList<>();
    for (int i = 0; i < c.numLayers(); i++) {
      String p = "model.layers." + i + ".";
      layers.add(
          new Layer(
              t.get(p + "input_layernorm.weight"),
              t.get(p + "self_attn.q_proj.weight"),
              t.get(p + "self_attn.q_proj.bias"),
              t.get(p + "self_attn.k_proj.weight"),
              t.get(p + "self_attn.k_proj.bias"),
              t.get(p + "self_attn.v_proj.weight"),
              t.get(p + "self_attn.v_proj.bias"),
              t.get(p + "self_attn.o_proj.weight"),
              t.get(p + "self_attn.o_proj.bias"),
              t.get(p + "self_attn.q_norm.weight"),
              t.get(p + "self_attn.k_norm.weight"),
              t.get(p + "post_attention_layernorm.weight"),
              t.get(p + "mlp.gate_proj.weight"),
              t.get(p + "mlp.up_proj.weight"),
              t.get(p + "mlp.down_proj.weight")));
    }
    NDArray embed = t.get("model.embed_tokens.weight");
    return new Weights(
        embed,
        List.copyOf(layers),
        t.get("model.norm.weight"),
        c.tieWordEmbeddings() ? embed : t.get("lm_head.weight"));
  }

  /** The tensors by HF name, as a checkpoint would store them (no lm_head when tied). */
  public Map<String, NDArray> named(ModelConfig c) {
    Map<String, NDArray> m = new LinkedHashMap<>();
    m.put("model.embed_tokens.weight", embedTokens);
    for (int i = 0; i < layers.size(); i++) {
      Layer l = layers.get(i);
      String p = "model.layers." + i + ".";
      m.put(p + "input_layernorm.weight", l.attnNorm());
      for (String proj : PROJECTIONS) {
        m.put(modulePath(i, proj) + ".weight", l.projection(proj));
      }
      if (l.bq() != null) {
        m.put(p + "self_attn.q_proj.bias", l.bq());
        m.put(p + "self_attn.k_proj.bias", l.bk());
        m.put(p + "self_attn.v_proj.bias", l.bv());
      }
      if (l.bo() != null) {
        m.put(p + "self_attn.o_proj.bias", l.bo());
      }
      if (l.qNorm() != null) {
        m.put(p + "self_attn.q_norm.weight", l.qNorm());
        m.put(p + "self_attn.k_norm.weight", l.kNorm());
      }
      m.put(p + "post_attention_layernorm.weight", l.mlpNorm());
    }
    m.put("model.norm.weight", finalNorm);
    if (!c.tieWordEmbeddings()) {
      m.put("lm_head.weight", lmHead);
    }
    return m;
  }

  // ---------------------------------------------------------------------------------------------
  // loading

  /**
   * Loads {@code model.safetensors} or the shards listed in {@code model.safetensors.index.json},
   * checks every shape against the config, and converts to {@code dtype}.
   */
  public static Weights load(Path modelDir, ModelConfig c, NDManager manager, DataType dtype)
      throws IOException {
    Path single = modelDir.resolve("model.safetensors");
    Path index = modelDir.resolve("model.safetensors.index.json");
    Map<String, SafeTensors> source = new LinkedHashMap<>();
    if (Files.exists(single)) {
      SafeTensors st = SafeTensors.open(single);
      st.tensors().keySet().forEach(k -> source.put(k, st));
    } else if (Files.exists(index)) {
      source.putAll(SafeTensors.openIndexed(index));
    } else {
      throw new ModelLoadException(
          modelDir
              + ": neither model.safetensors nor model.safetensors.index.json"
              + " found (PyTorch .bin checkpoints are not supported; convert them to safetensors)");
    }
    Map<String, long[]> expected = expectedShapes(c);
    for (String name : source.keySet()) {
      if (!expected.containsKey(name) && !ignorable(c, name)) {
        // a tensor config.json does not account for means the model computes something this
        // implementation would skip: an unlisted bias, a norm of another family, ...
        throw new ModelLoadException(
            source.get(name).file()
                + ": tensor "
                + name
                + " is not part of a "
                + c.architecture()
                + " with this config.json; it would be ignored, so the checkpoint is refused");
      }
    }
    Map<String, NDArray> loaded = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : expected.entrySet()) {
      SafeTensors st = source.get(e.getKey());
      if (st == null) {
        throw new ModelLoadException(
            modelDir
                + ": tensor "
                + e.getKey()
                + " required by config.json ("
                + c.architecture()
                + ") is missing from the checkpoint");
      }
      SafeTensors.TensorInfo info = st.tensors().get(e.getKey());
      if (!Arrays.equals(info.shape(), e.getValue())) {
        throw new ModelLoadException(
            st.file()
                + ": tensor "
                + e.getKey()
                + " has shape "
                + Arrays.toString(info.shape())
                + " but config.json implies "
                + Arrays.toString(e.getValue()));
      }
      NDArray a = st.load(manager, e.getKey());
      if (dtype != DataType.FLOAT32) {
        NDArray converted = a.toType(dtype, false);
        a.close();
        a = converted;
      }
      loaded.put(e.getKey(), a);
    }
    return fromNamed(c, loaded);
  }

  /**
   * Checkpoint tensors that carry nothing the config does not: rotary tables saved by old
   * transformers versions (recomputed from rope_theta), and an lm_head stored next to the tied
   * embeddings it equals (transformers ties it to the embeddings too).
   */
  private static boolean ignorable(ModelConfig c, String name) {
    return name.endsWith(".rotary_emb.inv_freq")
        || (c.tieWordEmbeddings() && name.equals("lm_head.weight"));
  }

  /** Random weights for tests and benchmarks: N(0, 0.02) like HF's initializer, norms at one. */
  public static Weights random(ModelConfig c, NDManager manager, DataType dtype, long seed) {
    Random rnd = new Random(seed);
    BiFunction<String, long[], NDArray> make =
        (name, shape) -> {
          long n = 1;
          for (long s : shape) {
            n *= s;
          }
          float[] v = new float[Math.toIntExact(n)];
          boolean norm = name.endsWith("norm.weight");
          for (int i = 0; i < v.length; i++) {
            v[i] =
                norm
                    ? 1f + (float) (0.1 * rnd.nextGaussian())
                    : (float) (0.02 * rnd.nextGaussian());
          }
          NDArray a = manager.create(v, new Shape(shape));
          if (dtype == DataType.FLOAT32) {
            return a;
          }
          NDArray converted = a.toType(dtype, false);
          a.close();
          return converted;
        };
    Map<String, NDArray> t = new LinkedHashMap<>();
    expectedShapes(c).forEach((k, s) -> t.put(k, make.apply(k, s)));
    return fromNamed(c, t);
  }

  /** Writes the weights as a checkpoint file. */
  public void save(ModelConfig c, Path file, String dtype) throws IOException {
    SafeTensors.write(file, named(c), Map.of("format", "pt"), dtype);
  }
}
