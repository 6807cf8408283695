package dev.feedloop.model.generate;

import dev.feedloop.model.Completion;
import dev.feedloop.model.Sampler;
import dev.feedloop.model.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * One sequence being generated in a {@link DecodeBatch}: its prompt, how to sample, its own random
 * stream, and where its tokens go. Created by the caller, advanced by the batch's thread.
 */
public final class DecodeRow {

  /** The finish reason of a row {@linkplain #cancel() cancelled} before it ended. */
  public static final String CANCELLED = "cancelled";

  /** The most top log-probs a row may ask for (OpenAI's limit). */
  public static final int MAX_TOP_LOGPROBS = 20;

  private final long[] prompt;
  private final SamplingParams params;
  private final RandomGenerator random;
  private final int topLogProbs;
  private final TokenListener listener;
  private volatile boolean cancelled;

  private final List<Long> tokens = new ArrayList<>();
  private float[] logProbs = new float[16];
  private final StringBuilder text = new StringBuilder();
  private Set<Long> eos = Set.of();
  private Detokenizer detokenizer;
  private StopStrings stops;
  private String finishReason;

  /** Positions fed to the model so far (prompt, then each sampled token as it is fed back). */
  private int fed;

  /**
   * @param prompt the prompt's ids, not empty
   * @param params sampling; {@code n} is ignored (one row is one candidate)
   * @param random this row's stream (see {@link dev.feedloop.model.Generator#rowStreams})
   * @param topLogProbs how many of the most likely tokens to report per step, 0 to 20
   */
  public DecodeRow(
      long[] prompt,
      SamplingParams params,
      RandomGenerator random,
      int topLogProbs,
      TokenListener listener) {
    if (prompt.length == 0) {
      throw new IllegalArgumentException("empty prompt");
    }
    if (topLogProbs < 0 || topLogProbs > MAX_TOP_LOGPROBS) {
      throw new IllegalArgumentException("top log-probs must be 0 to " + MAX_TOP_LOGPROBS);
    }
    this.prompt = prompt.clone();
    this.params = params;
    this.random = random;
    this.topLogProbs = topLogProbs;
    this.listener = listener;
  }

  /** Asks the row to leave its batch at the next token boundary, finishing as "cancelled". */
  public void cancel() {
    cancelled = true;
  }

  public boolean isCancelled() {
    return cancelled;
  }

  public long[] prompt() {
    return prompt;
  }

  /** Whether the row has ended; only its batch's thread may ask. */
  boolean finished() {
    return finishReason != null;
  }

  /** Called once when the row joins a batch. */
  void start(Set<Long> endTokens, Function<long[], String> decoder) {
    eos = endTokens;
    fed = prompt.length;
    if (decoder != null) {
      detokenizer = new Detokenizer(decoder);
      stops = new StopStrings(params.stop());
    }
    if (params.maxNewTokens() == 0) {
      finish("length");
    }
  }

  /** Ends a cancelled row before its next token. */
  void leave() {
    finish(CANCELLED);
  }

  /** The last sampled token, to feed back. */
  long lastToken() {
    return tokens.get(tokens.size() - 1);
  }

  /** The position the last sampled token is fed at; counts it as fed. */
  long feedPosition() {
    return fed++;
  }

  /** Cache columns holding this row's real tokens (all at the end of the cache). */
  int realColumns() {
    return fed;
  }

  /** Samples the next token from the row {@code logits[from .. from + vocab)}. */
  void accept(float[] logits, int from, int vocab) {
    int token = Sampler.sample(logits, from, vocab, params, random);
    double logSumExp = Sampler.logSumExp(logits, from, vocab);
    float logProb = (float) (logits[from + token] - logSumExp);
    List<TokenLogProb> top = List.of();
    if (topLogProbs > 0) {
      List<TokenLogProb> best = new ArrayList<>(topLogProbs);
      for (int id : Sampler.topK(logits, from, vocab, topLogProbs)) {
        best.add(new TokenLogProb(id, (float) (logits[from + id] - logSumExp)));
      }
      top = List.copyOf(best);
    }
    if (tokens.size() == logProbs.length) {
      logProbs = Arrays.copyOf(logProbs, 2 * logProbs.length);
    }
    logProbs[tokens.size()] = logProb;
    tokens.add((long) token);

    boolean end = eos.contains((long) token);
    String released = "";
    if (detokenizer != null) {
      released = stops.offer(end ? detokenizer.flush() : detokenizer.next(token));
    }
    String reason = null;
    if (end || (stops != null && stops.stopped())) {
      reason = "stop";
    } else if (tokens.size() >= params.maxNewTokens()) {
      reason = "length";
    }
    if (reason != null && detokenizer != null && !stops.stopped()) {
      released += stops.offer(detokenizer.flush());
      released += stops.stopped() ? "" : stops.finish();
      if (stops.stopped()) {
        reason = "stop";
      }
    }
    text.append(released);
    listener.token(this, new GeneratedToken(token, logProb, top, released));
    if (reason != null) {
      finish(reason);
    }
  }

  private void finish(String reason) {
    finishReason = reason;
    long[] ids = new long[tokens.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = tokens.get(i);
    }
    listener.finished(
        this,
        new Completion(
            ids,
            Arrays.copyOf(logProbs, ids.length),
            detokenizer == null ? null : text.toString(),
            reason));
  }
}
