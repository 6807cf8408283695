package dev.feedloop.model;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * The architecture hyper-parameters of a Llama-family decoder, as read from a Hugging Face {@code
 * config.json} in the layout of transformers 4.x or 5.x. Llama, Mistral, Qwen2 and Qwen3 share one
 * forward pass; they differ only in the fields below (Qwen2: q/k/v biases; Qwen3: per-head RMSNorm
 * of queries and keys and an explicit head_dim; Llama 3: rope scaling; Mistral and Qwen: sliding
 * windows; small models: tied embeddings).
 *
 * @param attentionBias biases on the q/k/v projections; Llama and Qwen3 then also have one on
 *     o_proj (their {@code attention_bias}), Qwen2 never does (it always has q/k/v biases)
 * @param slidingWindow the window of the layers whose type is {@link LayerType#SLIDING_ATTENTION}:
 *     a query at cache index i attends keys j with i - window &lt; j &le; i; null when no layer
 *     slides
 * @param layerTypes the attention of each layer, one per layer
 */
public record ModelConfig(
    String architecture,
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numLayers,
    int numHeads,
    int numKvHeads,
    int headDim,
    double rmsNormEps,
    double ropeTheta,
    RopeScaling ropeScaling,
    int maxPositionEmbeddings,
    boolean tieWordEmbeddings,
    boolean attentionBias,
    Integer bosTokenId,
    List<Integer> eosTokenIds,
    Integer slidingWindow,
    List<LayerType> layerTypes) {

  public static final String LLAMA = "LlamaForCausalLM";
  public static final String MISTRAL = "MistralForCausalLM";
  public static final String QWEN2 = "Qwen2ForCausalLM";
  public static final String QWEN3 = "Qwen3ForCausalLM";

  public static final Set<String> SUPPORTED_ARCHITECTURES = Set.of(LLAMA, MISTRAL, QWEN2, QWEN3);

  /** The attention of one layer, named as in transformers' {@code layer_types}. */
  public enum LayerType {
    FULL_ATTENTION("full_attention"),
    SLIDING_ATTENTION("sliding_attention");

    private final String key;

    LayerType(String key) {
      this.key = key;
    }

    public String key() {
      return key;
    }

    static LayerType of(String key) {
      for (LayerType t : values()) {
        if (t.key.equals(key)) {
          return t;
        }
      }
      return null;
    }
  }

  public ModelConfig {
    eosTokenIds = List.copyOf(eosTokenIds);
    layerTypes =
        layerTypes == null
            ? Collections.nCopies(numLayers, LayerType.FULL_ATTENTION)
            : List.copyOf(layerTypes);
    if (!SUPPORTED_ARCHITECTURES.contains(architecture)) {
      throw new IllegalArgumentException(
          "unsupported architecture " + architecture + "; supported: " + SUPPORTED_ARCHITECTURES);
    }
    if (numHeads % numKvHeads != 0) {
      throw new IllegalArgumentException(
          "num_attention_heads "
              + numHeads
              + " is not a multiple of num_key_value_heads "
              + numKvHeads);
    }
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException(
          "head_dim must be even for rotary embeddings, got " + headDim);
    }
    if (architecture.equals(QWEN2) && !attentionBias) {
      throw new IllegalArgumentException("Qwen2ForCausalLM always has q/k/v biases");
    }
    if (architecture.equals(MISTRAL) && attentionBias) {
      throw new IllegalArgumentException("MistralForCausalLM has no attention biases");
    }
    if (layerTypes.size() != numLayers) {
      throw new IllegalArgumentException(
          "layer_types has " + layerTypes.size() + " entries for " + numLayers + " layers");
    }
    boolean sliding = layerTypes.contains(LayerType.SLIDING_ATTENTION);
    if (!sliding) {
      slidingWindow = null; // a window no layer uses changes nothing; one spelling of "none"
    } else if (slidingWindow == null || slidingWindow < 1) {
      throw new IllegalArgumentException(
          "layers of type sliding_attention need a sliding_window of at least 1, got "
              + slidingWindow);
    } else if (architecture.equals(LLAMA)) {
      throw new IllegalArgumentException("LlamaForCausalLM has no sliding-window attention");
    } else if (architecture.equals(MISTRAL) && layerTypes.contains(LayerType.FULL_ATTENTION)) {
      throw new IllegalArgumentException(
          "MistralForCausalLM applies its sliding_window to every layer or to none");
    }
  }

  /** How many query heads share one key/value head (grouped-query attention). */
  public int queriesPerKv() {
    return numHeads / numKvHeads;
  }

  /** Whether layer {@code layer} attends only to the last {@link #slidingWindow()} positions. */
  public boolean isSliding(int layer) {
    return layerTypes.get(layer) == LayerType.SLIDING_ATTENTION;
  }

  public boolean hasSlidingLayers() {
    return slidingWindow != null;
  }

  /** Whether any layer attends to the whole context (not so for a windowed Mistral). */
  public boolean hasFullAttentionLayers() {
    return layerTypes.contains(LayerType.FULL_ATTENTION);
  }

  /** Qwen3's RMSNorm of each query and key head (weights q_norm, k_norm of size head_dim). */
  public boolean queryKeyNorm() {
    return architecture.equals(QWEN3);
  }

  /** Whether o_proj has a bias: Llama's and Qwen3's attention_bias covers it, Qwen2's does not. */
  public boolean outputBias() {
    return attentionBias && !architecture.equals(QWEN2);
  }

  /** Number of parameters of the base model (embeddings counted once when tied). */
  public long parameterCount() {
    long d = hiddenSize;
    long q = (long) numHeads * headDim;
    long kv = (long) numKvHeads * headDim;
    long attn =
        d * q
            + 2 * d * kv
            + q * d
            + (attentionBias ? q + 2 * kv : 0)
            + (outputBias() ? d : 0)
            + (queryKeyNorm() ? 2L * headDim : 0);
    long mlp = 3 * d * intermediateSize;
    long perLayer = attn + mlp + 2 * d;
    long embed = (long) vocabSize * d;
    return numLayers * perLayer + d + embed + (tieWordEmbeddings ? 0 : embed);
  }

  /** A plain Llama config, handy for tests and benchmarks (no download needed). */
  public static ModelConfig llama(
      int vocab, int hidden, int intermediate, int layers, int heads, int kvHeads) {
    return builder()
        .architecture(LLAMA)
        .vocabSize(vocab)
        .hiddenSize(hidden)
        .intermediateSize(intermediate)
        .numLayers(layers)
        .numHeads(heads)
        .numKvHeads(kvHeads)
        .headDim(hidden / heads)
        .build();
  }

  public ModelConfig withArchitecture(String arch, boolean bias) {
    return toBuilder().architecture(arch).attentionBias(bias).build();
  }

  public ModelConfig withTiedEmbeddings(boolean tied) {
    return toBuilder().tieWordEmbeddings(tied).build();
  }

  public ModelConfig withRopeScaling(RopeScaling scaling) {
    return toBuilder().ropeScaling(scaling).build();
  }

  public ModelConfig withTokens(Integer bos, List<Integer> eos) {
    return toBuilder().bosTokenId(bos).eosTokenIds(eos).build();
  }

  /** Sliding-window attention of {@code window} positions on the layers typed so. */
  public ModelConfig withSlidingWindow(Integer window, List<LayerType> types) {
    return toBuilder().slidingWindow(window).layerTypes(types).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .architecture(architecture)
        .vocabSize(vocabSize)
        .hiddenSize(hiddenSize)
        .intermediateSize(intermediateSize)
        .numLayers(numLayers)
        .numHeads(numHeads)
        .numKvHeads(numKvHeads)
        .headDim(headDim)
        .rmsNormEps(rmsNormEps)
        .ropeTheta(ropeTheta)
        .ropeScaling(ropeScaling)
        .maxPositionEmbeddings(maxPositionEmbeddings)
        .tieWordEmbeddings(tieWordEmbeddings)
        .attentionBias(attentionBias)
        .bosTokenId(bosTokenId)
        .eosTokenIds(eosTokenIds)
        .slidingWindow(slidingWindow)
        .layerTypes(layerTypes);
  }

  /**
   * Builds a config by name. Defaults: Llama, rms_norm_eps 1e-5, rope_theta 10000 without scaling,
   * 2048 positions, untied, no biases, no special tokens, every layer full attention.
   */
  public static final class Builder {
    private String architecture = LLAMA;
    private int vocabSize;
    private int hiddenSize;
    private int intermediateSize;
    private int numLayers;
    private int numHeads;
    private int numKvHeads;
    private int headDim;
    private double rmsNormEps = 1e-5;
    private double ropeTheta = RopeScaling.DEFAULT_THETA;
    private RopeScaling ropeScaling;
    private int maxPositionEmbeddings = 2048;
    private boolean tieWordEmbeddings;
    private boolean attentionBias;
    private Integer bosTokenId;
    private List<Integer> eosTokenIds = List.of();
    private Integer slidingWindow;
    private List<LayerType> layerTypes;

    private Builder() {}

    public Builder architecture(String v) {
      architecture = v;
      return this;
    }

    public Builder vocabSize(int v) {
      vocabSize = v;
      return this;
    }

    public Builder hiddenSize(int v) {
      hiddenSize = v;
      return this;
    }

    public Builder intermediateSize(int v) {
      intermediateSize = v;
      return this;
    }

    public Builder numLayers(int v) {
      numLayers = v;
      return this;
    }

    public Builder numHeads(int v) {
      numHeads = v;
      return this;
    }

    public Builder numKvHeads(int v) {
      numKvHeads = v;
      return this;
    }

    public Builder headDim(int v) {
      headDim = v;
      return this;
    }

    public Builder rmsNormEps(double v) {
      rmsNormEps = v;
      return this;
    }

    public Builder ropeTheta(double v) {
      ropeTheta = v;
      return this;
    }

    public Builder ropeScaling(RopeScaling v) {
      ropeScaling = v;
      return this;
    }

    public Builder maxPositionEmbeddings(int v) {
      maxPositionEmbeddings = v;
      return this;
    }

    public Builder tieWordEmbeddings(boolean v) {
      tieWordEmbeddings = v;
      return this;
    }

    public Builder attentionBias(boolean v) {
      attentionBias = v;
      return this;
    }

    public Builder bosTokenId(Integer v) {
      bosTokenId = v;
      return this;
    }

    public Builder eosTokenIds(List<Integer> v) {
      eosTokenIds = v;
      return this;
    }

    public Builder slidingWindow(Integer v) {
      slidingWindow = v;
      return this;
    }

    /** null: every layer full attention. */
    public Builder layerTypes(List<LayerType> v) {
      layerTypes = v;
      return this;
    }

    public ModelConfig build() {
      return new ModelConfig(
          architecture,
          vocabSize,
          hiddenSize,
          intermediateSize,
          numLayers,
          numHeads,
          numKvHeads,
          headDim,
          rmsNormEps,
          ropeTheta,
          ropeScaling,
          maxPositionEmbeddings,
          tieWordEmbeddings,
          attentionBias,
          bosTokenId,
          eosTokenIds,
          slidingWindow,
          layerTypes);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // config.json

  public static ModelConfig read(Path configJson) throws IOException {
    String text;
    try {
      text = Files.readString(configJson);
    } catch (NoSuchFileException e) {
      throw new ModelLoadException(
          configJson + ": file not found (every model directory needs a config.json)");
    }
    JsonObject json;
    try {
      json = JsonParser.parseString(text).getAsJsonObject();
    } catch (RuntimeException e) {
      throw new ModelLoadException(configJson + ": not a JSON object: " + e.getMessage());
    }
    return fromJson(json, configJson.toString());
  }

  /**
   * Reads a config.json written by transformers 4.x or 5.x. Every default below is the one of
   * transformers' own config class for the architecture, so a key missing here means what it means
   * there.
   */
  static ModelConfig fromJson(JsonObject json, String source) {
    String arch = null;
    if (json.has("architectures")
        && json.get("architectures").isJsonArray()
        && json.getAsJsonArray("architectures").size() > 0) {
      arch = json.getAsJsonArray("architectures").get(0).getAsString();
    }
    if (arch == null || !SUPPORTED_ARCHITECTURES.contains(arch)) {
      String modelType = json.has("model_type") ? json.get("model_type").getAsString() : "?";
      throw new ModelLoadException(
          source
              + ": unsupported architecture "
              + arch
              + " (model_type "
              + modelType
              + "); supported: "
              + SUPPORTED_ARCHITECTURES);
    }
    RefusedConfigKeys.check(json, source);
    try {
      int hidden = requiredInt(json, "hidden_size", source);
      int heads = requiredInt(json, "num_attention_heads", source);
      int layers = requiredInt(json, "num_hidden_layers", source);
      int kvHeads = intOr(json, "num_key_value_heads", heads);
      // Qwen3Config's head_dim defaults to 128; the other classes derive it
      int headDim = intOr(json, "head_dim", arch.equals(QWEN3) ? 128 : hidden / heads);
      int maxPositions = intOr(json, "max_position_embeddings", 2048);
      // Qwen2 always has q/k/v biases and ignores attention_bias; Mistral never has biases
      boolean bias =
          switch (arch) {
            case QWEN2 -> true;
            case MISTRAL -> false;
            default -> booleanOr(json, "attention_bias", false);
          };
      RopeScaling.Rope rope = RopeScaling.fromConfig(json, source, maxPositions);
      Window window = Window.fromConfig(json, arch, layers, source);
      return new ModelConfig(
          arch,
          requiredInt(json, "vocab_size", source),
          hidden,
          requiredInt(json, "intermediate_size", source),
          layers,
          heads,
          kvHeads,
          headDim,
          json.has("rms_norm_eps") ? json.get("rms_norm_eps").getAsDouble() : 1e-6,
          rope.theta(),
          rope.scaling(),
          maxPositions,
          booleanOr(json, "tie_word_embeddings", false),
          bias,
          intOrNull(json.get("bos_token_id")),
          intOrList(json.get("eos_token_id")),
          window.size(),
          window.types());
    } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
      // a value of the wrong JSON type, or a combination the record refuses
      throw new ModelLoadException(source + ": " + e.getMessage());
    }
  }

  private static final Integer MISTRAL_DEFAULT_WINDOW = 4096;

  /** The sliding window and the attention type of each layer. */
  private record Window(Integer size, List<LayerType> types) {

    /**
     * transformers' semantics per architecture. Mistral: {@code sliding_window} (default 4096 when
     * the key is absent, none when null) on every layer; {@code layer_types} is ignored, as
     * MistralModel does. Qwen2/Qwen3: the window exists only when {@code use_sliding_window} is
     * true (default false); the layers it covers are those {@code layer_types} (5.x) marks
     * "sliding_attention", else (4.x) layers {@code >= max_window_layers} (default 28). Llama has
     * no sliding window, so LlamaModel ignores these keys and so does this.
     */
    static Window fromConfig(JsonObject json, String arch, int layers, String source) {
      Integer size = MISTRAL_DEFAULT_WINDOW; // also Qwen2Config's and Qwen3Config's default
      if (json.has("sliding_window")) {
        size = intOrNull(json.get("sliding_window")); // null: no window
      }
      switch (arch) {
        case MISTRAL:
          return size == null
              ? new Window(null, null)
              : new Window(size, Collections.nCopies(layers, LayerType.SLIDING_ATTENTION));
        case QWEN2:
        case QWEN3:
          break;
        default:
          return new Window(null, null);
      }
      if (!booleanOr(json, "use_sliding_window", false)) {
        size = null;
      }
      List<LayerType> types = new ArrayList<>();
      JsonElement declared = json.get("layer_types");
      if (declared != null && !declared.isJsonNull()) {
        if (!declared.isJsonArray() || declared.getAsJsonArray().size() != layers) {
          throw new ModelLoadException(
              source
                  + ": \"layer_types\" must list one type for each of the "
                  + layers
                  + " layers");
        }
        for (JsonElement e : declared.getAsJsonArray()) {
          LayerType t = e.isJsonPrimitive() ? LayerType.of(e.getAsString()) : null;
          if (t == null) {
            throw new ModelLoadException(
                source
                    + ": \"layer_types\" entry "
                    + e
                    + " is not supported (supported: full_attention, sliding_attention)");
          }
          types.add(t);
        }
        if (types.contains(LayerType.SLIDING_ATTENTION) && size == null) {
          // transformers' create_sliding_window_causal_mask raises here as well
          throw new ModelLoadException(
              source
                  + ": \"layer_types\" has sliding_attention layers but there is no window"
                  + " (use_sliding_window is false or sliding_window is null)");
        }
      } else {
        int maxWindowLayers = intOr(json, "max_window_layers", 28);
        for (int i = 0; i < layers; i++) {
          types.add(
              size != null && i >= maxWindowLayers
                  ? LayerType.SLIDING_ATTENTION
                  : LayerType.FULL_ATTENTION);
        }
      }
      return new Window(size, types);
    }
  }

  /** {@code eos_token_id} is an int in most configs and a list in Llama 3 ones. */
  static List<Integer> intOrList(JsonElement e) {
    List<Integer> out = new ArrayList<>();
    if (e == null || e.isJsonNull()) {
      return out;
    }
    if (e.isJsonArray()) {
      for (JsonElement x : e.getAsJsonArray()) {
        out.add(x.getAsInt());
      }
    } else {
      out.add(e.getAsInt());
    }
    return out;
  }

  private static int requiredInt(JsonObject json, String key, String source) {
    if (!json.has(key) || json.get(key).isJsonNull()) {
      throw new ModelLoadException(source + ": missing required field \"" + key + "\"");
    }
    return json.get(key).getAsInt();
  }

  private static int intOr(JsonObject json, String key, int otherwise) {
    Integer v = intOrNull(json.get(key));
    return v == null ? otherwise : v;
  }

  private static Integer intOrNull(JsonElement e) {
    return e == null || e.isJsonNull() ? null : e.getAsInt();
  }

  private static boolean booleanOr(JsonObject json, String key, boolean otherwise) {
    JsonElement e = json.get(key);
    return e == null || e.isJsonNull() ? otherwise : e.getAsBoolean();
  }

  /**
   * The config in transformers 4.x's layout (top-level {@code rope_theta}, {@code rope_scaling},
   * {@code torch_dtype}), which transformers 4 and 5 both read, plus {@code layer_types}, which 5.x
   * (and 4.x since Qwen2 gained it) reads.
   */
  public JsonObject toJson() {
    JsonObject o = new JsonObject();
    JsonArray archs = new JsonArray();
    archs.add(architecture);
    o.add("architectures", archs);
    o.addProperty(
        "model_type",
        switch (architecture) {
          case QWEN2 -> "qwen2";
          case QWEN3 -> "qwen3";
          case MISTRAL -> "mistral";
          default -> "llama";
        });
    o.addProperty("vocab_size", vocabSize);
    o.addProperty("hidden_size", hiddenSize);
    o.addProperty("intermediate_size", intermediateSize);
    o.addProperty("num_hidden_layers", numLayers);
    o.addProperty("num_attention_heads", numHeads);
    o.addProperty("num_key_value_heads", numKvHeads);
    o.addProperty("head_dim", headDim);
    o.addProperty("rms_norm_eps", rmsNormEps);
    o.addProperty("rope_theta", ropeTheta);
    if (ropeScaling != null) {
      o.add("rope_scaling", ropeScaling.toJson());
    }
    o.addProperty("max_position_embeddings", maxPositionEmbeddings);
    o.addProperty("tie_word_embeddings", tieWordEmbeddings);
    if (architecture.equals(LLAMA) || architecture.equals(QWEN3)) {
      o.addProperty("attention_bias", attentionBias);
    }
    boolean qwen = architecture.equals(QWEN2) || architecture.equals(QWEN3);
    if (qwen) {
      o.addProperty("use_sliding_window", slidingWindow != null);
    }
    if (qwen || architecture.equals(MISTRAL)) {
      // written even when null: MistralConfig's default for a missing key is 4096
      o.add(
          "sliding_window",
          slidingWindow == null ? JsonNull.INSTANCE : new JsonPrimitive(slidingWindow));
    }
    switch (architecture) {
      case QWEN2, QWEN3 -> {
        // 4.x before layer_types derives the sliding layers from max_window_layers: right for the
        // usual "the last layers slide" pattern, and layer_types below is what newer ones read
        int firstSliding = layerTypes.indexOf(LayerType.SLIDING_ATTENTION);
        o.addProperty("max_window_layers", firstSliding < 0 ? numLayers : firstSliding);
        JsonArray types = new JsonArray();
        layerTypes.forEach(t -> types.add(t.key()));
        o.add("layer_types", types);
      }
      default -> {}
    }
    o.addProperty("hidden_act", "silu");
    if (bosTokenId != null) {
      o.addProperty("bos_token_id", bosTokenId);
    }
    if (eosTokenIds.size() == 1) {
      o.addProperty("eos_token_id", eosTokenIds.get(0));
    } else if (!eosTokenIds.isEmpty()) {
      JsonArray eos = new JsonArray();
      eosTokenIds.forEach(eos::add);
      o.add("eos_token_id", eos);
    }
    o.addProperty("torch_dtype", "float32");
    return o;
  }

  public void write(Path configJson) throws IOException {
    Gson gson = new GsonBuilder().setPrettyPrinting().serializeNulls().create();
    Files.writeString(configJson, gson.toJson(toJson()));
  }
}
