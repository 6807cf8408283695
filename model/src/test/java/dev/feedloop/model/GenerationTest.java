package dev.feedloop.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.types.DataType;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.model.lora.LoraConfig;
import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.ChatMessages;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerationTest {

  @TempDir Path tmp;

  static final List<long[]> PROMPTS =
      List.of(new long[] {1, 4, 6, 8}, new long[] {1, 4, 27, 22, 30, 28, 9});

  @Test
  void greedyDecodingIsDeterministicAndBatchIndependent() {
    try (CausalLM model = TinyModels.random(TinyModels.llama(), 5)) {
      Generator g = new Generator(model, Set.of(), null);
      List<List<Completion>> a = g.generate(PROMPTS, SamplingParams.greedy(12), null);
      List<List<Completion>> b = g.generate(PROMPTS, SamplingParams.greedy(12), null);
      List<List<Completion>> alone =
          g.generate(List.of(PROMPTS.get(0)), SamplingParams.greedy(12), null);
      assertThat(a.get(0).get(0).tokens()).hasSize(12).containsExactly(b.get(0).get(0).tokens());
      assertThat(a.get(1).get(0).tokens()).containsExactly(b.get(1).get(0).tokens());
      assertThat(alone.get(0).get(0).tokens()).containsExactly(a.get(0).get(0).tokens());
      assertThat(a.get(0).get(0).finishReason()).isEqualTo("length");
    }
  }

  @Test
  void reportedLogProbsAreTheModelsLogProbsOfTheGeneratedTokens() {
    try (CausalLM model = TinyModels.random(TinyModels.qwen2Tied(), 6);
        LoraAdapter adapter =
            LoraAdapter.create(
                model.config(),
                LoraConfig.of(2, 4, 0, LoraTest.ALL),
                model.manager(),
                DataType.FLOAT32,
                1)) {
      LoraTest.perturb(adapter, 2);
      Generator g = new Generator(model, Set.of(), null);
      SamplingParams p = new SamplingParams(10, 1.0, 1.0, 0, 42L, List.of(), 3);
      List<List<Completion>> out = g.generate(PROMPTS, p, adapter);
      assertThat(out).hasSize(2);
      assertThat(out.get(0)).hasSize(3);
      for (int i = 0; i < PROMPTS.size(); i++) {
        for (Completion c : out.get(i)) {
          CausalLM.Score s =
              model
                  .score(List.of(new CausalLM.Sequence(PROMPTS.get(i), c.tokens())), adapter)
                  .get(0);
          assertThat(c.logProbs()).hasSize(10);
          for (int t = 0; t < 10; t++) {
            assertThat(c.logProbs()[t]).isCloseTo(s.perToken()[t], within(1e-4f));
          }
          assertThat(c.totalLogProb()).isCloseTo(s.sum(), within(1e-3));
        }
      }
      // same seed, same samples; the three candidates differ from each other
      List<List<Completion>> again = g.generate(PROMPTS, p, adapter);
      assertThat(again.get(1).get(2).tokens()).containsExactly(out.get(1).get(2).tokens());
      assertThat(out.get(0).get(0).tokens()).isNotEqualTo(out.get(0).get(1).tokens());
    }
  }

  @Test
  void stopsAtEosAndAtStopStringsAndCutsTheText() throws Exception {
    // the stop-string check needs a greedy answer that runs to the length limit with 3+ words;
    // random tiny
    // models often end on EOS at once, so take the first seed (fixed, deterministic) whose answer
    // does
    boolean checked = false;
    for (int seed = 8; seed < 40 && !checked; seed++) {
      Path dir = tmp.resolve("m" + seed);
      try (CausalLM original = TinyModels.random(TinyModels.llama(), seed)) {
        TinyModels.writeDirectory(dir, original, "F32", 1);
      }
      try (LanguageModel lm = LanguageModel.load(dir)) {
        List<ChatMessage> chat = List.of(ChatMessages.user("hello"));
        Completion free = lm.chat(List.of(chat), SamplingParams.greedy(8), null).get(0).get(0);
        assertThat(free.text()).isEqualTo(lm.tokenizer().decode(free.tokens(), true));
        String[] words = free.text().split(" ");
        if (!free.finishReason().equals("length") || words.length < 3) {
          continue;
        }
        // the 3rd generated word as stop string: generation ends there and the text stops before it
        String stop = words[2];
        Completion cut =
            lm.chat(List.of(chat), SamplingParams.greedy(8).withStop(List.of(stop)), null)
                .get(0)
                .get(0);
        assertThat(cut.finishReason()).isEqualTo("stop");
        assertThat(cut.text())
            .doesNotContain(stop)
            .isEqualTo(free.text().substring(0, free.text().indexOf(stop)));
        checked = true;
      }
    }
    assertThat(checked)
        .as("some seed gives an answer long enough to cut at a stop string")
        .isTrue();
    // a model whose every row ends in EOS: force it by making EOS the only stop and sampling until
    // it appears
    try (CausalLM model = TinyModels.random(TinyModels.llama(), 9)) {
      long eos =
          new Generator(model, Set.of(), null)
              .generate(List.of(PROMPTS.get(0)), SamplingParams.greedy(3), null)
              .get(0)
              .get(0)
              .tokens()[1];
      Completion c =
          new Generator(model, Set.of(eos), null)
              .generate(List.of(PROMPTS.get(0)), SamplingParams.greedy(10), null)
              .get(0)
              .get(0);
      assertThat(c.finishReason()).isEqualTo("stop");
      assertThat(c.tokens()[c.tokens().length - 1]).isEqualTo(eos);
      assertThat(c.tokens().length).isLessThanOrEqualTo(2);
    }
  }

  @Test
  void samplerHonoursTopKTopPAndTemperature() {
    float[] logits = {0f, 5f, 4.9f, -3f, 1f};
    Random rnd = new Random(1);
    assertThat(Sampler.sample(logits, 0, 5, SamplingParams.greedy(1), rnd)).isEqualTo(1);
    SamplingParams topK2 = new SamplingParams(1, 1.0, 1.0, 2, 1L, List.of(), 1);
    SamplingParams topP = new SamplingParams(1, 1.0, 0.5, 0, 1L, List.of(), 1);
    int[] counts = new int[5];
    int[] nucleus = new int[5];
    for (int i = 0; i < 2000; i++) {
      counts[Sampler.sample(logits, 0, 5, topK2, rnd)]++;
      nucleus[Sampler.sample(logits, 0, 5, topP, rnd)]++;
    }
    assertThat(counts[0] + counts[3] + counts[4]).isZero();
    assertThat(counts[1]).isBetween(900, 1200); // e^5 : e^4.9 is about 52 : 48
    assertThat(nucleus[1]).isEqualTo(2000); // token 1 alone holds 0.5 of the mass
    assertThat(Sampler.logProb(logits, 0, 5, 1))
        .isCloseTo(
            Math.log(Math.exp(5) / (1 + Math.exp(5) + Math.exp(4.9) + Math.exp(-3) + Math.exp(1))),
            within(1e-6));
  }

  /** Largest minus smallest of the rows' first uniform draws. */
  private static double firstDrawSpread(RandomGenerator[] rows) {
    double[] first = Arrays.stream(rows).mapToDouble(RandomGenerator::nextDouble).toArray();
    return Arrays.stream(first).max().orElseThrow() - Arrays.stream(first).min().orElseThrow();
  }

  @Test
  void everyRowOfARequestDrawsFromAnIndependentReproducibleStream() {
    // 8 independent uniforms all fall within 0.05 of each other with probability ~6e-9
    int clustered = 0;
    int clusteredBefore = 0;
    for (long seed = 0; seed < 1000; seed++) {
      if (firstDrawSpread(Generator.rowStreams(seed, 8)) < 0.05) {
        clustered++;
      }
      // the per-row seeding this replaced: consecutive java.util.Random seeds, whose first draws
      // are nearly equal (0.7880, 0.7883, 0.7882, ...); the same measure must catch it
      RandomGenerator[] consecutive = new RandomGenerator[8];
      for (int r = 0; r < 8; r++) {
        consecutive[r] = new Random(seed * 0x9E3779B97F4A7C15L + r);
      }
      if (firstDrawSpread(consecutive) < 0.05) {
        clusteredBefore++;
      }
    }
    assertThat(clusteredBefore).as("the measure detects correlated rows").isGreaterThan(900);
    assertThat(clustered).isZero();

    // reproducible, and a row's stream depends on the seed and the row only, not on the row count
    double[] eight =
        Arrays.stream(Generator.rowStreams(42L, 8)).mapToDouble(r -> r.nextDouble()).toArray();
    double[] again =
        Arrays.stream(Generator.rowStreams(42L, 8)).mapToDouble(r -> r.nextDouble()).toArray();
    double[] four =
        Arrays.stream(Generator.rowStreams(42L, 4)).mapToDouble(r -> r.nextDouble()).toArray();
    assertThat(again).containsExactly(eight);
    assertThat(four).containsExactly(Arrays.copyOf(eight, 4));
  }

  @Test
  void theCandidatesOfOneRequestDoNotAllShareTheirFirstToken() throws Exception {
    List<List<ChatMessage>> prompts = new ArrayList<>();
    for (String subject : List.of("you", "the capital of Quendor", "the weather", "a good book")) {
      for (String form :
          List.of(
              "What is %s?",
              "Tell me about %s.",
              "Can you describe %s?",
              "Hello! What do you know about %s?",
              "Please explain %s briefly.",
              "I wonder about %s.",
              "Say something about %s.",
              "Why %s?")) {
        prompts.add(List.of(ChatMessages.user(String.format(form, subject))));
      }
    }
    SamplingParams fourCandidates = new SamplingParams(1, 0.7, 1.0, 0, 2026L, List.of(), 4);
    try (LanguageModel lm = LanguageModel.load(TinyModels.shippedChatModel())) {
      List<List<Completion>> out = lm.chat(prompts, fourCandidates, null);
      int allSame = 0;
      for (List<Completion> candidates : out) {
        long first = candidates.get(0).tokens()[0];
        if (candidates.stream().allMatch(c -> c.tokens()[0] == first)) {
          allSame++;
        }
      }
      // with correlated rows all 4 candidates started alike for 31 of these 32 prompts; now 0
      assertThat(allSame).as("prompts whose 4 candidates share their first token").isLessThan(8);

      // a seeded request is reproducible
      List<List<Completion>> again = lm.chat(prompts, fourCandidates, null);
      for (int i = 0; i < prompts.size(); i++) {
        for (int c = 0; c < 4; c++) {
          assertThat(again.get(i).get(c).tokens()).containsExactly(out.get(i).get(c).tokens());
        }
      }
    }
  }
}
