package dev.feedloop.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.model.generate.Detokenizer;
import dev.feedloop.model.generate.StopStrings;
import dev.feedloop.model.text.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * Sampling without a full sort picks what the full-sort reference picks; streaming text is cut into
 * deltas that add up to the full decode and never show a stop string.
 */
class SamplerTest {

  /** The sampler as it was: the whole vocabulary sorted for any top-k or top-p. */
  static int referenceSample(
      float[] logits, int from, int vocab, SamplingParams p, RandomGenerator rnd) {
    if (p.temperature() == 0) {
      return Sampler.argmax(logits, from, vocab);
    }
    Integer[] order = null;
    int candidates = vocab;
    if (p.topK() > 0 || p.topP() < 1) {
      order = new Integer[vocab];
      for (int i = 0; i < vocab; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Float.compare(logits[from + b], logits[from + a]));
      if (p.topK() > 0) {
        candidates = Math.min(p.topK(), vocab);
      }
    }
    double max =
        order == null
            ? logits[from + Sampler.argmax(logits, from, vocab)]
            : logits[from + order[0]];
    double[] weights = new double[candidates];
    double total = 0;
    for (int i = 0; i < candidates; i++) {
      int token = order == null ? i : order[i];
      weights[i] = Math.exp((logits[from + token] - max) / p.temperature());
      total += weights[i];
    }
    if (p.topP() < 1) {
      double mass = 0;
      int keep = 0;
      while (keep < candidates && mass < p.topP() * total) {
        mass += weights[keep++];
      }
      candidates = Math.max(keep, 1);
      total = mass;
    }
    double u = rnd.nextDouble() * total;
    for (int i = 0; i < candidates; i++) {
      u -= weights[i];
      if (u <= 0) {
        return order == null ? i : order[i];
      }
    }
    return order == null ? candidates - 1 : order[candidates - 1];
  }

  @Test
  void topKAndTopPPickWhatTheFullSortPicks() {
    Random random = new Random(2026);
    double[] temperatures = {0, 0.3, 0.7, 1.0, 1.6};
    double[] topPs = {1.0, 0.99, 0.9, 0.5, 0.1};
    int[] topKs = {0, 1, 5, 40, 5000};
    int cases = 0;
    for (int c = 0; c < 3000; c++) {
      int vocab = 2 + random.nextInt(3000);
      float scale = (float) (0.1 + random.nextDouble() * 8);
      int from = random.nextInt(5);
      float[] logits = new float[from + vocab];
      for (int i = 0; i < logits.length; i++) {
        // some exact ties too: ties are broken by id, as the stable full sort breaks them
        logits[i] = random.nextInt(10) == 0 ? 1f : (float) (random.nextGaussian() * scale);
      }
      SamplingParams p =
          new SamplingParams(
              1,
              temperatures[random.nextInt(temperatures.length)],
              topPs[random.nextInt(topPs.length)],
              topKs[random.nextInt(topKs.length)],
              1L,
              List.of(),
              1);
      long seed = random.nextLong();
      for (int draw = 0; draw < 5; draw++) {
        int expected = referenceSample(logits, from, vocab, p, new SplittableRandom(seed + draw));
        int got = Sampler.sample(logits, from, vocab, p, new SplittableRandom(seed + draw));
        assertThat(got).as("case %d draw %d, %s, vocab %d", c, draw, p, vocab).isEqualTo(expected);
        cases++;
      }
      // top-k selection: the k best of a stable full sort, in that order
      int k = 1 + random.nextInt(Math.min(vocab, 25));
      Integer[] order = new Integer[vocab];
      for (int i = 0; i < vocab; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Float.compare(logits[from + b], logits[from + a]));
      int[] best = Sampler.topK(logits, from, vocab, k);
      assertThat(best).containsExactly(Arrays.stream(order, 0, k).mapToInt(i -> i).toArray());
    }
    assertThat(cases).isEqualTo(15000);
  }

  @Test
  void stopStringsSplitAcrossPiecesAreCaughtAndNeverEmitted() {
    StopStrings stops = new StopStrings(List.of("STOP", "Athene!"));
    List<String> emitted = new ArrayList<>();
    for (String piece : List.of("I am At", "hen", "a, not ST", "OP", "ped")) {
      emitted.add(stops.offer(piece));
      if (stops.stopped()) {
        break;
      }
    }
    // "At" + "hen" could begin "Athene!": held until "a" rules it out; "ST" held, "OP" ends it
    assertThat(emitted).containsExactly("I am ", "", "Athena, not ", "");
    assertThat(stops.stopped()).isTrue();
    assertThat(String.join("", emitted)).isEqualTo("I am Athena, not ");

    StopStrings open = new StopStrings(List.of("</end>"));
    assertThat(open.offer("text </e")).isEqualTo("text ");
    assertThat(open.finish()).as("released when generation ends otherwise").isEqualTo("</e");
    assertThat(new StopStrings(List.of()).offer("any")).isEqualTo("any");
  }

  @Test
  void detokenizerDeltasAddUpToTheFullDecodeAndNeverSplitACharacter() throws Exception {
    try (TextTokenizer tokenizer =
        TextTokenizer.load(TinyModels.shippedChatModel().resolve("tokenizer.json"))) {
      for (String text :
          List.of(
              "Hello, I am Athene. How can I help?",
              "Ünïcödé wörds: café, naïve, 東京, emoji 😀🎉 and more",
              "   spaces   and\nnewlines\n\n")) {
        long[] ids = tokenizer.encode(text);
        Detokenizer detokenizer = new Detokenizer(window -> tokenizer.decode(window, true));
        StringBuilder streamed = new StringBuilder();
        for (long id : ids) {
          String delta = detokenizer.next(id);
          assertThat(delta).doesNotContain("\uFFFD");
          streamed.append(delta);
        }
        streamed.append(detokenizer.flush());
        assertThat(streamed.toString()).isEqualTo(tokenizer.decode(ids, true)).isEqualTo(text);
      }
      // random ids, byte tokens that form no character included
      Random random = new Random(7);
      for (int c = 0; c < 200; c++) {
        long[] ids = random.longs(1 + random.nextInt(40), 0, 1277).toArray();
        Detokenizer detokenizer = new Detokenizer(window -> tokenizer.decode(window, true));
        StringBuilder streamed = new StringBuilder();
        for (long id : ids) {
          streamed.append(detokenizer.next(id));
        }
        streamed.append(detokenizer.flush());
        assertThat(streamed.toString())
            .as(Arrays.toString(ids))
            .isEqualTo(tokenizer.decode(ids, true));
      }
    }
  }
}
