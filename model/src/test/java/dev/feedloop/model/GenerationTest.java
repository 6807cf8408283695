package dev.feedloop.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.types.DataType;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.model.lora.LoraConfig;
import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.ChatMessages;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
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
}
