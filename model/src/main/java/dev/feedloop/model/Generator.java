package dev.feedloop.model;

import dev.feedloop.model.generate.DecodeBatch;
import dev.feedloop.model.generate.DecodeRow;
import dev.feedloop.model.generate.GeneratedToken;
import dev.feedloop.model.generate.TokenListener;
import dev.feedloop.model.lora.LoraAdapter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * Batched autoregressive generation: the prompts (each repeated n times) join one {@link
 * DecodeBatch}, which prefills them together and extends every unfinished row one token per step
 * until all have ended. The same continuous batching engine serves concurrent requests.
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
    RandomGenerator[] rng = rowStreams(params.seed(), rows);
    Completion[] done = new Completion[rows];
    List<DecodeRow> batchRows = new ArrayList<>();
    for (int r = 0; r < rows; r++) {
      int row = r;
      batchRows.add(
          new DecodeRow(
              prompts.get(r / params.n()),
              params,
              rng[r],
              0,
              new TokenListener() {
                @Override
                public void token(DecodeRow decoding, GeneratedToken token) {}

                @Override
                public void finished(DecodeRow decoding, Completion completion) {
                  done[row] = completion;
                }
              }));
    }
    try (DecodeBatch batch = newBatch(lora)) {
      batch.admit(batchRows);
      while (!batch.isEmpty()) {
        batch.step();
      }
    }
    List<List<Completion>> result = new ArrayList<>();
    for (int r = 0; r < rows; r++) {
      if (r % params.n() == 0) {
        result.add(new ArrayList<>());
      }
      result.get(result.size() - 1).add(done[r]);
    }
    return result;
  }

  /** An empty continuous batch with this generator's model, end tokens and decoder. */
  public DecodeBatch newBatch(LoraAdapter lora) {
    return new DecodeBatch(model, lora, eos, decoder);
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
  public static RandomGenerator[] rowStreams(Long seed, int rows) {
    SplittableRandom root =
        new SplittableRandom(seed != null ? seed : ThreadLocalRandom.current().nextLong());
    RandomGenerator[] streams = new RandomGenerator[rows];
    for (int r = 0; r < rows; r++) {
      streams[r] = root.split();
    }
    return streams;
  }
}
