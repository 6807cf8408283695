package dev.feedloop.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.feedloop.model.lora.LoraAdapter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * Batched autoregressive generation with a KV cache: the prompts (each repeated n times) are
 * left-padded into one batch, run through the model once, then extended one token per step.
 */
public final class Generator {

  private final CausalLM model;
  private final Set<Long> eos;
  private final Function<long[], String> decoder;

  /**
   * @param eos end-of-sequence ids
   * @param decoder turns generated ids into text (for stop strings and {@link Completion#text()});
   *     may be null
   */
  public Generator(CausalLM model, Set<Long> eos, Function<long[], String> decoder) {
    this.model = model;
    this.eos = Set.copyOf(eos);
    this.decoder = decoder;
  }

  /** For each prompt, {@code params.n()} completions. */
  public List<List<Completion>> generate(
      List<long[]> prompts, SamplingParams params, LoraAdapter lora) {
    int rows = prompts.size() * params.n();
    long[][] rowPrompt = new long[rows][];
    RandomGenerator[] rng = rowStreams(params.seed(), rows);
    for (int r = 0; r < rows; r++) {
      rowPrompt[r] = prompts.get(r / params.n());
      if (rowPrompt[r].length == 0) {
        throw new IllegalArgumentException("empty prompt");
      }
    }
    int width = Arrays.stream(rowPrompt).mapToInt(p -> p.length).max().orElse(0);
    int vocab = model.config().vocabSize();

    List<List<Long>> out = new ArrayList<>();
    List<List<Float>> outLogProbs = new ArrayList<>();
    String[] finish = new String[rows];
    String[] text = new String[rows];
    for (int r = 0; r < rows; r++) {
      out.add(new ArrayList<>());
      outLogProbs.add(new ArrayList<>());
    }

    // left padding: the last prompt token of every row sits in the same column
    long[] tokens = new long[rows * width];
    long[] positions = new long[rows * width];
    List<float[]> keyMaskColumns = new ArrayList<>();
    for (int c = 0; c < width; c++) {
      keyMaskColumns.add(new float[rows]);
    }
    long[] nextPosition = new long[rows];
    for (int r = 0; r < rows; r++) {
      int pad = width - rowPrompt[r].length;
      for (int c = 0; c < width; c++) {
        boolean real = c >= pad;
        tokens[r * width + c] = real ? rowPrompt[r][c - pad] : 0;
        positions[r * width + c] = real ? c - pad : 0;
        keyMaskColumns.get(c)[r] = real ? 1 : 0;
      }
      nextPosition[r] = rowPrompt[r].length;
    }

    int active = rows;
    try (NoGrad ignored = NoGrad.enter();
        NDManager session = model.manager().newSubManager();
        KvCache cache = new KvCache(session, model.config().numLayers())) {
      int stepWidth = width;
      for (int step = 0; step < params.maxNewTokens() && active > 0; step++) {
        float[] last;
        try (NDManager m = session.newSubManager()) {
          NDArray ids = m.create(tokens, new Shape(rows, stepWidth));
          NDArray pos = m.create(positions, new Shape(rows, stepWidth));
          NDArray keyMask =
              m.create(flatten(keyMaskColumns, rows), new Shape(keyMaskColumns.size(), rows))
                  .transpose();
          NDArray logits = model.forward(ids, pos, keyMask, cache, lora, false);
          last = logits.get(":, -1, :").toType(DataType.FLOAT32, false).toFloatArray();
        }
        tokens = new long[rows];
        positions = new long[rows];
        float[] column = new float[rows];
        for (int r = 0; r < rows; r++) {
          if (finish[r] != null) {
            tokens[r] = 0; // a finished row keeps running but is never read again
            continue;
          }
          int token = Sampler.sample(last, r * vocab, vocab, params, rng[r]);
          out.get(r).add((long) token);
          outLogProbs.get(r).add((float) Sampler.logProb(last, r * vocab, vocab, token));
          tokens[r] = token;
          positions[r] = nextPosition[r]++;
          column[r] = 1;
          if (eos.contains((long) token)) {
            finish[r] = "stop";
          } else if (!params.stop().isEmpty() && decoder != null) {
            String s = decoder.apply(ids(out.get(r), false));
            for (String stop : params.stop()) {
              int at = s.indexOf(stop);
              if (at >= 0) {
                finish[r] = "stop";
                text[r] = s.substring(0, at);
                break;
              }
            }
          }
          if (finish[r] != null) {
            active--;
          }
        }
        keyMaskColumns.add(column);
        stepWidth = 1;
      }
    }

    List<List<Completion>> result = new ArrayList<>();
    for (int r = 0; r < rows; r++) {
      if (r % params.n() == 0) {
        result.add(new ArrayList<>());
      }
      long[] generated = ids(out.get(r), true);
      float[] lps = new float[outLogProbs.get(r).size()];
      for (int i = 0; i < lps.length; i++) {
        lps[i] = outLogProbs.get(r).get(i);
      }
      String t = text[r];
      if (t == null && decoder != null) {
        t = decoder.apply(ids(out.get(r), false));
      }
      result
          .get(result.size() - 1)
          .add(new Completion(generated, lps, t, finish[r] == null ? "length" : finish[r]));
    }
    return result;
  }

  /**
   * One independent random stream per row (row r = prompt index * n + candidate): the r-th {@link
   * SplittableRandom#split() split} of a generator seeded with {@code seed}, so a seeded request is
   * reproducible and each row's draws depend on the seed and the row alone. Streams of nearby seeds
   * must not be used instead: {@code java.util.Random} seeded with consecutive values gives nearly
   * the same first draw (0.7880, 0.7883, 0.7882, ...), and all candidates of a request then start
   * with the same token.
   *
   * @param seed null draws a fresh seed
   */
  static RandomGenerator[] rowStreams(Long seed, int rows) {
    SplittableRandom root =
        new SplittableRandom(seed != null ? seed : ThreadLocalRandom.current().nextLong());
    RandomGenerator[] streams = new RandomGenerator[rows];
    for (int r = 0; r < rows; r++) {
      streams[r] = root.split();
    }
    return streams;
  }

  private long[] ids(List<Long> generated, boolean withEos) {
    int n = generated.size();
    if (!withEos && n > 0 && eos.contains(generated.get(n - 1))) {
      n--;
    }
    long[] a = new long[n];
    for (int i = 0; i < n; i++) {
      a[i] = generated.get(i);
    }
    return a;
  }

  private static float[] flatten(List<float[]> columns, int rows) {
    float[] f = new float[columns.size() * rows];
    for (int c = 0; c < columns.size(); c++) {
      System.arraycopy(columns.get(c), 0, f, c * rows, rows);
    }
    return f;
  }
}
