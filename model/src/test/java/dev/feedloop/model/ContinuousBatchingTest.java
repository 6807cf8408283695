package dev.feedloop.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.model.generate.DecodeBatch;
import dev.feedloop.model.generate.DecodeRow;
import dev.feedloop.model.generate.GeneratedToken;
import dev.feedloop.model.generate.TokenListener;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Rows joining and leaving a running decode batch generate what they generate alone. */
class ContinuousBatchingTest {

  static final List<long[]> PROMPTS =
      List.of(
          new long[] {1, 4, 6, 8},
          new long[] {1, 4, 27, 22, 30, 28, 9},
          new long[] {1, 7},
          new long[] {1, 4, 10, 11, 12, 13, 14, 15, 16, 17});

  /** Tokens each row generates before it ends: the rows leave at different steps. */
  static final int[] LENGTHS = {10, 4, 12, 8};

  /** When each row joins: before the first step, or after this many steps. */
  static final int[] JOINS_AFTER = {0, 2, 2, 3};

  static Stream<Arguments> configs() {
    return Stream.of(
        Arguments.of("llama", TinyModels.llama()),
        Arguments.of("mistral sliding window", TinyModels.mistralWindowed()),
        Arguments.of("qwen2 with a sliding layer", TinyModels.qwen2Windowed()));
  }

  /** Collects every row's tokens, texts and completion. */
  static final class Recorder implements TokenListener {
    final Map<DecodeRow, List<GeneratedToken>> tokens = new HashMap<>();
    final Map<DecodeRow, Completion> done = new HashMap<>();

    @Override
    public void token(DecodeRow row, GeneratedToken token) {
      tokens.computeIfAbsent(row, r -> new ArrayList<>()).add(token);
    }

    @Override
    public void finished(DecodeRow row, Completion completion) {
      assertThat(done).doesNotContainKey(row);
      done.put(row, completion);
    }

    String text(DecodeRow row) {
      StringBuilder s = new StringBuilder();
      tokens.getOrDefault(row, List.of()).forEach(t -> s.append(t.text()));
      return s.toString();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void greedyRowsJoiningAtDifferentStepsGenerateWhatTheyGenerateAlone(
      String name, ModelConfig config) {
    try (CausalLM model = TinyModels.random(config, 5)) {
      Generator alone = new Generator(model, Set.of(), null);
      Recorder recorder = new Recorder();
      List<DecodeRow> rows = new ArrayList<>();
      for (int i = 0; i < PROMPTS.size(); i++) {
        rows.add(
            new DecodeRow(
                PROMPTS.get(i),
                SamplingParams.greedy(LENGTHS[i]),
                Generator.rowStreams(0L, 1)[0],
                0,
                recorder));
      }
      List<Integer> occupancy = new ArrayList<>();
      try (DecodeBatch batch = new DecodeBatch(model, null, Set.of(), null)) {
        int steps = 0;
        while (recorder.done.size() < rows.size()) {
          List<DecodeRow> joining = new ArrayList<>();
          for (int i = 0; i < rows.size(); i++) {
            if (JOINS_AFTER[i] == steps) {
              joining.add(rows.get(i));
            }
          }
          batch.admit(joining);
          int computed = batch.step();
          steps++;
          // finished rows left at once: the batch holds exactly the rows still running
          long running =
              rows.stream()
                  .filter(r -> recorder.tokens.containsKey(r) && !recorder.done.containsKey(r))
                  .count();
          assertThat(batch.rows()).as("%s rows after step %d", name, steps).isEqualTo(running);
          occupancy.add(computed);
        }
        assertThat(batch.isEmpty()).isTrue();
      }
      assertThat(occupancy).contains(4);
      assertThat(occupancy.subList(occupancy.indexOf(4), occupancy.size()))
          .as("rows leave one by one")
          .contains(3, 2, 1);
      for (int i = 0; i < rows.size(); i++) {
        Completion expected =
            alone
                .generate(List.of(PROMPTS.get(i)), SamplingParams.greedy(LENGTHS[i]), null)
                .get(0)
                .get(0);
        Completion got = recorder.done.get(rows.get(i));
        assertThat(got.tokens()).as("%s row %d", name, i).containsExactly(expected.tokens());
        assertThat(got.finishReason()).isEqualTo("length");
        for (int t = 0; t < got.logProbs().length; t++) {
          assertThat(got.logProbs()[t])
              .isCloseTo(expected.logProbs()[t], org.assertj.core.api.Assertions.within(1e-4f));
        }
      }
    }
  }

  @Test
  void aSeededSampledRowIsTheSameAloneAndBatched() {
    SamplingParams sampled = new SamplingParams(12, 1.0, 0.9, 8, 42L, List.of(), 1);
    try (CausalLM model = TinyModels.random(TinyModels.llama(), 11)) {
      Generator generator = new Generator(model, Set.of(), null);
      Completion alone = generator.generate(List.of(PROMPTS.get(1)), sampled, null).get(0).get(0);

      Recorder recorder = new Recorder();
      DecodeRow seeded =
          new DecodeRow(PROMPTS.get(1), sampled, Generator.rowStreams(42L, 1)[0], 3, recorder);
      try (DecodeBatch batch = generator.newBatch(null)) {
        batch.admit(List.of(row(PROMPTS.get(0), 7L, recorder), row(PROMPTS.get(3), 8L, recorder)));
        batch.step();
        batch.step();
        batch.admit(List.of(row(PROMPTS.get(2), 9L, recorder), seeded));
        assertThat(batch.rows()).isEqualTo(4);
        while (!batch.isEmpty()) {
          batch.step();
        }
      }
      assertThat(recorder.done.get(seeded).tokens()).containsExactly(alone.tokens());

      // every token reports its top log-probs, best first, the sampled token among or below them
      for (GeneratedToken token : recorder.tokens.get(seeded)) {
        assertThat(token.top()).hasSize(3);
        assertThat(token.top().get(0).logProb())
            .isGreaterThanOrEqualTo(token.top().get(1).logProb())
            .isGreaterThanOrEqualTo(token.logProb());
        assertThat(token.top().get(1).logProb())
            .isGreaterThanOrEqualTo(token.top().get(2).logProb());
      }
    }
  }

  private static DecodeRow row(long[] prompt, long seed, TokenListener listener) {
    return new DecodeRow(
        prompt,
        new SamplingParams(9, 0.8, 1.0, 0, seed, List.of(), 1),
        Generator.rowStreams(seed, 1)[0],
        0,
        listener);
  }

  @Test
  void aCancelledRowLeavesAtTheNextTokenBoundary() {
    try (CausalLM model = TinyModels.random(TinyModels.llama(), 5);
        DecodeBatch batch = new DecodeBatch(model, null, Set.of(), null)) {
      Recorder recorder = new Recorder();
      DecodeRow leaving =
          new DecodeRow(PROMPTS.get(0), SamplingParams.greedy(20), rng(), 0, recorder);
      DecodeRow staying =
          new DecodeRow(PROMPTS.get(1), SamplingParams.greedy(20), rng(), 0, recorder);
      batch.admit(List.of(leaving, staying));
      batch.step();
      leaving.cancel();
      assertThat(batch.step()).as("the cancelled row is not computed").isEqualTo(1);
      assertThat(recorder.done.get(leaving).finishReason()).isEqualTo(DecodeRow.CANCELLED);
      assertThat(recorder.done.get(leaving).tokens()).hasSize(2);
      assertThat(batch.rows()).isEqualTo(1);
    }
  }

  private static RandomGenerator rng() {
    return Generator.rowStreams(1L, 1)[0];
  }

  @Test
  void theRawDecodeBenchmarkCountsEveryRowsTokens() throws Exception {
    try (LanguageModel lm = LanguageModel.load(TinyModels.shippedChatModel())) {
      dev.feedloop.model.bench.RawDecodeBench.Result result =
          new dev.feedloop.model.bench.RawDecodeBench(lm).run(4, 6);
      assertThat(result.batchSize()).isEqualTo(4);
      assertThat(result.tokens()).isEqualTo(24);
      assertThat(result.tokensPerSecond()).isPositive().isFinite();
    }
  }

  /** Each id decodes to "<id>": stop strings can then span two tokens. */
  static final Function<long[], String> ANGLE_DECODER =
      ids -> {
        StringBuilder s = new StringBuilder();
        for (long id : ids) {
          s.append('<').append(id).append('>');
        }
        return s.toString();
      };

  @Test
  void aStopStringSplitAcrossTokensIsCaughtAndNeverEmitted() {
    try (CausalLM model = TinyModels.random(TinyModels.llama(), 5)) {
      Generator generator = new Generator(model, Set.of(), ANGLE_DECODER);
      Completion free =
          generator
              .generate(List.of(PROMPTS.get(0)), SamplingParams.greedy(10), null)
              .get(0)
              .get(0);
      assertThat(free.text()).isEqualTo(ANGLE_DECODER.apply(free.tokens()));
      // the end of the 3rd token's text and the start of the 4th's
      String third = "<" + free.tokens()[2] + ">";
      String stop = third.substring(1) + "<" + free.tokens()[3];
      String expected = free.text().substring(0, free.text().indexOf(stop));

      Recorder recorder = new Recorder();
      DecodeRow row =
          new DecodeRow(
              PROMPTS.get(0),
              SamplingParams.greedy(10).withStop(List.of(stop)),
              rng(),
              0,
              recorder);
      try (DecodeBatch batch = generator.newBatch(null)) {
        batch.admit(List.of(row));
        while (!batch.isEmpty()) {
          batch.step();
        }
      }
      Completion cut = recorder.done.get(row);
      assertThat(cut.finishReason()).isEqualTo("stop");
      assertThat(cut.text()).isEqualTo(expected).doesNotContain(stop);
      assertThat(recorder.text(row)).as("what was streamed").isEqualTo(expected);
      assertThat(cut.tokens()).hasSizeLessThanOrEqualTo(4);
    }
  }
}
