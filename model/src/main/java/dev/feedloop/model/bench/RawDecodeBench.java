package dev.feedloop.model.bench;

import dev.feedloop.model.Completion;
import dev.feedloop.model.Generator;
import dev.feedloop.model.LanguageModel;
import dev.feedloop.model.SamplingParams;
import dev.feedloop.model.generate.DecodeBatch;
import dev.feedloop.model.generate.DecodeRow;
import dev.feedloop.model.generate.GeneratedToken;
import dev.feedloop.model.generate.TokenListener;
import dev.feedloop.schemas.ChatMessages;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * In-process continuous batching throughput: {@code batchSize} rows decode together through one
 * {@link DecodeBatch}, sampling (temperature 1) without end tokens, so every row runs its full
 * token count. The ceiling an HTTP server on the same engine can approach.
 */
public final class RawDecodeBench {

  /** Tokens generated, wall seconds and their ratio. */
  public record Result(int batchSize, long tokens, double seconds) {
    public double tokensPerSecond() {
      return tokens / seconds;
    }
  }

  private final LanguageModel model;

  public RawDecodeBench(LanguageModel model) {
    this.model = model;
  }

  /**
   * Decodes {@code batchSize} rows of {@code tokensPerRow} tokens each, prefill included, after a
   * short warm-up.
   */
  public Result run(int batchSize, int tokensPerRow) {
    decode(Math.min(batchSize, 2), 4); // warm-up: native kernels, allocator
    long started = System.nanoTime();
    long tokens = decode(batchSize, tokensPerRow);
    return new Result(batchSize, tokens, (System.nanoTime() - started) / 1e9);
  }

  private long decode(int batchSize, int tokensPerRow) {
    AtomicLong generated = new AtomicLong();
    TokenListener counter =
        new TokenListener() {
          @Override
          public void token(DecodeRow row, GeneratedToken token) {
            generated.incrementAndGet();
          }

          @Override
          public void finished(DecodeRow row, Completion completion) {}
        };
    List<DecodeRow> rows = new ArrayList<>();
    for (int r = 0; r < batchSize; r++) {
      long[] prompt =
          model.promptTokens(List.of(ChatMessages.user("Tell me about question number " + r)));
      SamplingParams params = new SamplingParams(tokensPerRow, 1.0, 1.0, 0, (long) r, List.of(), 1);
      rows.add(new DecodeRow(prompt, params, Generator.rowStreams((long) r, 1)[0], 0, counter));
    }
    // no end tokens, a decoder as serving has one: every row runs to its length
    try (DecodeBatch batch =
        new DecodeBatch(
            model.model(), null, java.util.Set.of(), ids -> model.tokenizer().decode(ids, true))) {
      batch.admit(rows);
      while (!batch.isEmpty()) {
        batch.step();
      }
    }
    return generated.get();
  }
}
