package dev.feedloop.model.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.feedloop.model.CausalLM;
import dev.feedloop.model.KvCache;
import dev.feedloop.model.NoGrad;
import dev.feedloop.model.lora.LoraAdapter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * A continuous decode batch: rows join at token boundaries and leave as soon as they end, so no
 * compute is spent on finished rows. All rows share one LoRA adapter (or none).
 *
 * <p>Joining rows are prefilled together (left-padded among themselves), with logits at their last
 * prompt position only, and sample their first token at once; their KV cache is then merged into
 * the running one, the shorter side left-padded with masked columns. Every row's real tokens stay
 * contiguous at the right end of the cache, so causality and sliding windows need no per-row mask
 * beyond the key bias, which grows by one column per step and is never rebuilt. Rows that end leave
 * the cache at once (row selection), and leading columns no remaining row attends to are dropped.
 *
 * <p>Not thread-safe: one thread owns the batch (and calls every listener).
 */
public final class DecodeBatch implements AutoCloseable {

  private final CausalLM model;
  private final LoraAdapter adapter;
  private final Set<Long> eos;
  private final Function<long[], String> decoder;
  private final NDManager session;
  private final KvCache cache;
  private final int vocab;

  /** Additive key bias [rows, cache length]: 0 for real tokens, {@link CausalLM#MASKED} padding. */
  private NDArray keyBias;

  private List<DecodeRow> rows = new ArrayList<>();

  /**
   * @param adapter applied to every row; null for the base model
   * @param eos ids that end a row
   * @param decoder ids to text for streaming and stop strings; null generates ids only
   */
  public DecodeBatch(
      CausalLM model, LoraAdapter adapter, Set<Long> eos, Function<long[], String> decoder) {
    this.model = model;
    this.adapter = adapter;
    this.eos = Set.copyOf(eos);
    this.decoder = decoder;
    this.session = model.manager().newSubManager();
    this.cache = new KvCache(session, model.config().numLayers());
    this.vocab = model.config().vocabSize();
  }

  public LoraAdapter adapter() {
    return adapter;
  }

  /** Rows decoding now; each {@link #step()} computes exactly these. */
  public int rows() {
    return rows.size();
  }

  public boolean isEmpty() {
    return rows.isEmpty();
  }

  /** Cache columns, padding included. */
  public int cacheLength() {
    return cache.length();
  }

  /**
   * Prefills the joining rows and samples their first token; those that do not end with it join the
   * batch.
   */
  public void admit(List<DecodeRow> joining) {
    List<DecodeRow> prefill = new ArrayList<>();
    for (DecodeRow row : joining) {
      row.start(eos, decoder);
      if (row.isCancelled() && !row.finished()) {
        row.leave();
      }
      if (!row.finished()) {
        prefill.add(row);
      }
    }
    if (prefill.isEmpty()) {
      return;
    }
    int n = prefill.size();
    int width = prefill.stream().mapToInt(r -> r.prompt().length).max().orElseThrow();
    long[] tokens = new long[n * width];
    long[] positions = new long[n * width];
    float[] mask = new float[n * width];
    for (int r = 0; r < n; r++) {
      long[] prompt = prefill.get(r).prompt();
      int pad = width - prompt.length;
      for (int c = pad; c < width; c++) {
        tokens[r * width + c] = prompt[c - pad];
        positions[r * width + c] = c - pad;
        mask[r * width + c] = 1;
      }
    }
    try (NoGrad ignored = NoGrad.enter();
        NDManager m = session.newSubManager()) {
      KvCache fresh = new KvCache(m, model.config().numLayers());
      Shape shape = new Shape(n, width);
      NDArray keyMask = m.create(mask, shape);
      float[] logits =
          model
              .lastPositionLogits(
                  m.create(tokens, shape), m.create(positions, shape), keyMask, fresh, adapter)
              .toType(DataType.FLOAT32, false)
              .toFloatArray();
      List<DecodeRow> staying = new ArrayList<>();
      List<Long> kept = new ArrayList<>();
      for (int r = 0; r < n; r++) {
        DecodeRow row = prefill.get(r);
        row.accept(logits, r * vocab, vocab);
        if (!row.finished()) {
          staying.add(row);
          kept.add((long) r);
        }
      }
      if (staying.isEmpty()) {
        return;
      }
      NDArray bias = model.keyBias(keyMask);
      if (staying.size() < n) {
        NDArray index = m.create(kept.stream().mapToLong(Long::longValue).toArray());
        fresh.keepRows(index);
        bias = bias.get(new NDIndex("{}", index));
      }
      cache.merge(fresh);
      keyBias = replace(keyBias, stackBias(m, keyBias, bias, cache.length()));
      rows.addAll(staying);
    }
  }

  /**
   * One token for every row; rows that end (or were cancelled) leave the batch before the next.
   *
   * @return the rows computed in this step
   */
  public int step() {
    dropCancelled();
    int b = rows.size();
    if (b == 0) {
      return 0;
    }
    long[] tokens = new long[b];
    long[] positions = new long[b];
    for (int r = 0; r < b; r++) {
      DecodeRow row = rows.get(r);
      tokens[r] = row.lastToken();
      positions[r] = row.feedPosition();
    }
    try (NoGrad ignored = NoGrad.enter();
        NDManager m = session.newSubManager()) {
      // the new token's own column: visible
      keyBias =
          replace(keyBias, keyBias.concat(m.zeros(new Shape(b, 1), keyBias.getDataType()), 1));
      float[] logits =
          model
              .stepLogits(
                  m.create(tokens, new Shape(b, 1)),
                  m.create(positions, new Shape(b, 1)),
                  keyBias,
                  cache,
                  adapter)
              .toType(DataType.FLOAT32, false)
              .toFloatArray();
      for (int r = 0; r < b; r++) {
        rows.get(r).accept(logits, r * vocab, vocab);
      }
      removeFinished(m);
    }
    return b;
  }

  private void dropCancelled() {
    boolean any = false;
    for (DecodeRow row : rows) {
      if (row.isCancelled()) {
        row.leave();
        any = true;
      }
    }
    if (any) {
      try (NDManager m = session.newSubManager()) {
        removeFinished(m);
      }
    }
  }

  /** Selects the rows still running out of the cache and the bias, then trims padding. */
  private void removeFinished(NDManager m) {
    List<DecodeRow> running = new ArrayList<>();
    List<Long> kept = new ArrayList<>();
    for (int r = 0; r < rows.size(); r++) {
      if (!rows.get(r).finished()) {
        running.add(rows.get(r));
        kept.add((long) r);
      }
    }
    if (running.size() == rows.size()) {
      return;
    }
    rows = running;
    if (running.isEmpty()) {
      cache.clear();
      keyBias = replace(keyBias, null);
      return;
    }
    NDArray index = m.create(kept.stream().mapToLong(Long::longValue).toArray());
    cache.keepRows(index);
    keyBias = replace(keyBias, keyBias.get(new NDIndex("{}", index)));
    int padding = cache.length();
    for (DecodeRow row : running) {
      padding = Math.min(padding, cache.length() - row.realColumns());
    }
    if (padding > 0) {
      cache.dropLeading(padding);
      keyBias = replace(keyBias, keyBias.get(":, " + padding + ":"));
    }
  }

  /** This batch's bias above the joining rows', each left-padded with masked columns to width. */
  private static NDArray stackBias(NDManager m, NDArray mine, NDArray theirs, int width) {
    NDArray bottom = leftMasked(m, theirs, width);
    return mine == null ? bottom : leftMasked(m, mine, width).concat(bottom, 0);
  }

  /** The bias left-padded with masked columns; new arrays in {@code m}. */
  private static NDArray leftMasked(NDManager m, NDArray bias, int width) {
    long missing = width - bias.getShape().get(1);
    if (missing == 0) {
      return bias;
    }
    return m.full(new Shape(bias.getShape().get(0), missing), CausalLM.MASKED, bias.getDataType())
        .concat(bias, 1);
  }

  private NDArray replace(NDArray old, NDArray fresh) {
    if (fresh != null) {
      fresh.attach(session);
    }
    if (old != null && old != fresh) {
      old.close();
    }
    return fresh;
  }

  /** Frees the cache; rows still running are abandoned without a finish. */
  @Override
  public void close() {
    session.close();
  }
}
