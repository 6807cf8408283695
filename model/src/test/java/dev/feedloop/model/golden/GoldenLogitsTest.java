package dev.feedloop.model.golden;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.feedloop.model.CausalLM;
import dev.feedloop.model.KvCache;
import dev.feedloop.model.NoGrad;
import dev.feedloop.model.lora.LoraAdapter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The project's forward against logits that an independent reference computed for tiny random
 * checkpoints of every supported family, each in the config.json layout of transformers 4.x and of
 * 5.x (src/test/resources/golden, written by model/golden/make_golden.py; see its README). Every
 * way the model is run must reproduce them: one sequence at a time, a left-padded batch, and
 * KV-cache decoding, alone and after a batched prefill as the generator does it.
 */
class GoldenLogitsTest {

  /**
   * The cases make_golden.py writes: a fixture that goes missing must fail here, not shrink the
   * test.
   */
  static final List<String> EXPECTED_CASES =
      List.of(
          "llama-default-v4",
          "llama-default-v5",
          "llama-linear-v4",
          "llama-linear-v5",
          "llama-llama3-v4",
          "llama-llama3-v5",
          "llama-rslora-v5",
          "mistral-sliding-v4",
          "mistral-sliding-v5",
          "qwen2-bias-bf16-v4",
          "qwen2-bias-bf16-v5",
          "qwen2-sliding-v4",
          "qwen2-sliding-v5",
          "qwen3-v4",
          "qwen3-v5");

  /** Columns of the batched prefill in {@link #batchedPrefillThenTokenByTokenDecoding}. */
  private static final int PREFILL_COLUMNS = 16;

  @Test
  void everyCaseIsPresent() {
    assertThat(cases()).containsExactlyElementsOf(EXPECTED_CASES);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void fullForwardOfEachSequence(String name) throws IOException {
    Golden golden = Golden.read(root().resolve(name));
    try (Run run = Run.open(golden)) {
      Errors errors = new Errors(golden);
      for (int s = 0; s < golden.sequences().size(); s++) {
        long[] ids = golden.sequences().get(s).ids();
        try (NDManager m = run.model.manager().newSubManager()) {
          int t = ids.length;
          float[] logits =
              run.forward(m, new long[][] {ids}, new long[][] {range(0, t)}, ones(1, t), null);
          for (int p : golden.sequences().get(s).positions()) {
            errors.compare(s, p, logits, p * run.vocab);
          }
        }
      }
      errors.assertWithinTolerance("full forward");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void batchedLeftPaddedPrefill(String name) throws IOException {
    Golden golden = Golden.read(root().resolve(name));
    try (Run run = Run.open(golden);
        NDManager m = run.model.manager().newSubManager()) {
      Batch batch = Batch.leftPadded(golden);
      float[] logits = run.forward(m, batch.ids, batch.positions, batch.mask, null);
      Errors errors = new Errors(golden);
      for (int s = 0; s < golden.sequences().size(); s++) {
        for (int p : golden.sequences().get(s).positions()) {
          int column = batch.pad[s] + p;
          errors.compare(s, p, logits, ((long) s * batch.width + column) * run.vocab);
        }
      }
      errors.assertWithinTolerance("left-padded batch of " + golden.sequences().size());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void kvCacheDecodingTokenByToken(String name) throws IOException {
    Golden golden = Golden.read(root().resolve(name));
    try (Run run = Run.open(golden)) {
      Errors errors = new Errors(golden);
      for (int s = 0; s < golden.sequences().size(); s++) {
        Golden.Sequence seq = golden.sequences().get(s);
        try (NDManager session = run.model.manager().newSubManager();
            KvCache cache = new KvCache(session, run.model.config().numLayers())) {
          for (int t = 0; t < seq.ids().length; t++) {
            try (NDManager step = session.newSubManager()) {
              float[] logits =
                  run.forward(
                      step,
                      new long[][] {{seq.ids()[t]}},
                      new long[][] {{t}},
                      ones(1, t + 1),
                      cache);
              if (contains(seq.positions(), t)) {
                errors.compare(s, t, logits, 0);
              }
            }
          }
        }
      }
      errors.assertWithinTolerance("KV-cache decoding from the first token");
    }
  }

  /**
   * What {@link dev.feedloop.model.Generator} does: one left-padded prefill of the first columns,
   * then one column per step through the cache, the key mask growing by a column each time.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void batchedPrefillThenTokenByTokenDecoding(String name) throws IOException {
    Golden golden = Golden.read(root().resolve(name));
    try (Run run = Run.open(golden);
        NDManager session = run.model.manager().newSubManager();
        KvCache cache = new KvCache(session, run.model.config().numLayers())) {
      Batch batch = Batch.leftPadded(golden);
      int rows = batch.ids.length;
      Errors errors = new Errors(golden);
      int column = 0;
      while (column < batch.width) {
        int width = column == 0 ? Math.min(PREFILL_COLUMNS, batch.width) : 1;
        long[][] ids = new long[rows][];
        long[][] positions = new long[rows][];
        float[][] mask = new float[rows][];
        for (int r = 0; r < rows; r++) {
          ids[r] = Arrays.copyOfRange(batch.ids[r], column, column + width);
          positions[r] = Arrays.copyOfRange(batch.positions[r], column, column + width);
          mask[r] = Arrays.copyOfRange(batch.mask[r], 0, column + width);
        }
        try (NDManager step = session.newSubManager()) {
          float[] logits = run.forward(step, ids, positions, mask, cache);
          for (int r = 0; r < rows; r++) {
            for (int p : golden.sequences().get(r).positions()) {
              int c = batch.pad[r] + p;
              if (c >= column && c < column + width) {
                errors.compare(r, p, logits, ((long) r * width + (c - column)) * run.vocab);
              }
            }
          }
        }
        column += width;
      }
      errors.assertWithinTolerance(
          "batched prefill of " + PREFILL_COLUMNS + " columns, then one column per step");
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** A loaded case: the model, its adapter if the case has one. */
  private static final class Run implements AutoCloseable {
    final CausalLM model;
    final LoraAdapter adapter;
    final int vocab;

    private Run(CausalLM model, LoraAdapter adapter) {
      this.model = model;
      this.adapter = adapter;
      this.vocab = model.config().vocabSize();
    }

    static Run open(Golden golden) throws IOException {
      CausalLM model = CausalLM.load(golden.dir(), Device.cpu(), DataType.FLOAT32);
      try {
        LoraAdapter adapter =
            golden.adapter() == null
                ? null
                : LoraAdapter.load(
                    golden.dir().resolve(golden.adapter()),
                    model.config(),
                    model.manager(),
                    DataType.FLOAT32);
        return new Run(model, adapter);
      } catch (IOException | RuntimeException e) {
        model.close();
        throw e;
      }
    }

    /** Logits [B, T, vocab], flattened, for ids and positions [B, T] and a key mask [B, S]. */
    float[] forward(NDManager m, long[][] ids, long[][] positions, float[][] mask, KvCache cache) {
      try (NoGrad ignored = NoGrad.enter()) {
        NDArray logits =
            model.forward(
                m.create(flatten(ids), new Shape(ids.length, ids[0].length)),
                m.create(flatten(positions), new Shape(ids.length, ids[0].length)),
                m.create(flatten(mask), new Shape(mask.length, mask[0].length)),
                cache,
                adapter,
                false);
        assertThat(logits.getShape()).isEqualTo(new Shape(ids.length, ids[0].length, vocab));
        return logits.toType(DataType.FLOAT32, false).toFloatArray();
      }
    }

    @Override
    public void close() {
      if (adapter != null) {
        adapter.close();
      }
      model.close();
    }
  }

  /** Every sequence of a case left-padded to the longest, as the generator batches prompts. */
  private record Batch(long[][] ids, long[][] positions, float[][] mask, int[] pad, int width) {
    static Batch leftPadded(Golden golden) {
      int rows = golden.sequences().size();
      int width = golden.sequences().stream().mapToInt(s -> s.ids().length).max().orElseThrow();
      long[][] ids = new long[rows][width];
      long[][] positions = new long[rows][width];
      float[][] mask = new float[rows][width];
      int[] pad = new int[rows];
      for (int r = 0; r < rows; r++) {
        long[] seq = golden.sequences().get(r).ids();
        pad[r] = width - seq.length;
        for (int c = pad[r]; c < width; c++) {
          ids[r][c] = seq[c - pad[r]];
          positions[r][c] = c - pad[r];
          mask[r][c] = 1;
        }
      }
      assertThat(Arrays.stream(pad).max().orElse(0))
          .as("left padding of the shorter sequence")
          .isPositive();
      return new Batch(ids, positions, mask, pad, width);
    }
  }

  /** The largest deviation from the expected logits seen so far, and where. */
  private static final class Errors {
    private final Golden golden;
    private double max = -1;
    private String where = "nothing compared";
    private int rows;

    Errors(Golden golden) {
      this.golden = golden;
    }

    void compare(int sequence, int position, float[] logits, long offset) {
      float[] expected = golden.sequences().get(sequence).logitsAt(position);
      for (int v = 0; v < expected.length; v++) {
        double d = Math.abs(logits[Math.toIntExact(offset + v)] - expected[v]);
        if (!(d <= max)) { // NaN counts as the worst
          max = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
          where = "sequence " + sequence + ", position " + position + ", token " + v;
        }
      }
      rows++;
    }

    void assertWithinTolerance(String path) {
      int expectedRows = golden.sequences().stream().mapToInt(s -> s.positions().length).sum();
      assertThat(rows).as("logit rows compared").isEqualTo(expectedRows);
      System.out.printf(
          Locale.ROOT,
          "%s, %s: max abs error %.2e (%s)%n",
          golden.dir().getFileName(),
          path,
          max,
          where);
      assertThat(max)
          .as("%s, %s: max abs logit error (at %s)", golden.dir().getFileName(), path, where)
          .isLessThanOrEqualTo(golden.tolerance());
    }
  }

  /** One case directory's expected.json. */
  record Golden(Path dir, double tolerance, String adapter, List<Sequence> sequences) {

    record Sequence(long[] ids, int[] positions, float[][] logits) {
      float[] logitsAt(int position) {
        for (int i = 0; i < positions.length; i++) {
          if (positions[i] == position) {
            return logits[i];
          }
        }
        throw new IllegalArgumentException("no expected logits at position " + position);
      }
    }

    static Golden read(Path dir) throws IOException {
      JsonObject o =
          JsonParser.parseString(Files.readString(dir.resolve("expected.json"))).getAsJsonObject();
      List<Sequence> sequences = new ArrayList<>();
      for (JsonElement e : o.getAsJsonArray("sequences")) {
        JsonObject s = e.getAsJsonObject();
        JsonArray rows = s.getAsJsonArray("logits");
        float[][] logits = new float[rows.size()][];
        for (int i = 0; i < logits.length; i++) {
          JsonArray row = rows.get(i).getAsJsonArray();
          logits[i] = new float[row.size()];
          for (int v = 0; v < row.size(); v++) {
            logits[i][v] = row.get(v).getAsFloat();
          }
        }
        sequences.add(
            new Sequence(
                longs(s.getAsJsonArray("ids")), ints(s.getAsJsonArray("positions")), logits));
      }
      JsonElement adapter = o.get("adapter");
      return new Golden(
          dir,
          o.get("tolerance").getAsDouble(),
          adapter == null || adapter.isJsonNull() ? null : adapter.getAsString(),
          List.copyOf(sequences));
    }
  }

  // ---------------------------------------------------------------------------------------------

  static List<String> cases() {
    try (Stream<Path> dirs = Files.list(root())) {
      return dirs.filter(d -> Files.exists(d.resolve("expected.json")))
          .map(d -> d.getFileName().toString())
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path root() {
    URL url = GoldenLogitsTest.class.getResource("/golden");
    if (url == null) {
      throw new IllegalStateException("test resource directory golden/ not found");
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long[] range(int from, int to) {
    long[] r = new long[to - from];
    for (int i = 0; i < r.length; i++) {
      r[i] = from + i;
    }
    return r;
  }

  private static float[][] ones(int rows, int columns) {
    float[][] m = new float[rows][columns];
    for (float[] row : m) {
      Arrays.fill(row, 1f);
    }
    return m;
  }

  private static boolean contains(int[] values, int v) {
    return Arrays.stream(values).anyMatch(x -> x == v);
  }

  private static long[] flatten(long[][] a) {
    return Arrays.stream(a).flatMapToLong(Arrays::stream).toArray();
  }

  private static float[] flatten(float[][] a) {
    float[] out = new float[Arrays.stream(a).mapToInt(r -> r.length).sum()];
    int at = 0;
    for (float[] row : a) {
      System.arraycopy(row, 0, out, at, row.length);
      at += row.length;
    }
    return out;
  }

  private static long[] longs(JsonArray a) {
    long[] out = new long[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).getAsLong();
    }
    return out;
  }

  private static int[] ints(JsonArray a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).getAsInt();
    }
    return out;
  }
}
