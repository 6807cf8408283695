package dev.feedloop.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.model.lora.LoraConfig;
import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.ChatMessages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one tokenization of a completion ({@link LanguageModel#completionTokens}), its end-of-turn
 * token, and the log-prob serving logs for a generated completion against the trainer's score of
 * the same text.
 */
class CompletionTokensTest {

  @TempDir Path tmp;

  static final List<List<ChatMessage>> QUESTIONS =
      List.of(
          List.of(ChatMessages.user("Who are you?")),
          List.of(ChatMessages.user("What is 3 plus 4?")),
          List.of(ChatMessages.user("Hello!")),
          List.of(ChatMessages.user("What day comes after Monday?")),
          List.of(ChatMessages.user("How many letters are in the word apple?")),
          List.of(ChatMessages.user("Goodbye!")));

  @Test
  void aCompletionIsTheTemplatesAnswerCutAfterTheEndOfTurnToken() throws Exception {
    Path dir = tinyDirectory("chatml");
    try (LanguageModel lm = LanguageModel.load(dir)) {
      List<ChatMessage> prompt = List.of(ChatMessages.user("hello how are you"));
      // ChatML writes "<|im_end|> " after the answer: the ids stop right after <|im_end|> (2)
      assertThat(lm.completionTokens(prompt, "I am fine thanks"))
          .containsExactly(11, 12, 13, 14, 2);
      assertThat(lm.promptTokens(prompt)).containsExactly(1, 4, 6, 8, 9, 10, 2, 1, 5);
      CausalLM.Sequence sequence = lm.tokenize(prompt, "I am fine thanks");
      assertThat(sequence.prompt()).containsExactly(lm.promptTokens(prompt));
      assertThat(sequence.completion())
          .containsExactly(lm.completionTokens(prompt, "I am fine thanks"));
      assertThat(lm.scoreCompletion(prompt, "I am fine thanks", null))
          .isEqualTo(lm.model().score(List.of(sequence), null).get(0).sum());
    }
  }

  @Test
  void theEndOfTurnTokenIsDefinedNotWhateverASetIteratesFirst() throws Exception {
    // a template that writes no end token: the completion gets the end-of-turn token appended.
    // Several end tokens, so that a choice by hash order would pick the wrong one most of the time.
    String noEndTemplate =
        "{% for message in messages %}{{ message['role'] + ' ' + message['content'] + ' ' }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ 'assistant ' }}{% endif %}";
    List<Integer> generationEos = List.of(31, 17, 2, 19, 26, 24);
    List<ChatMessage> prompt = List.of(ChatMessages.user("hello"));

    Path withEosToken = tinyDirectory("eos-token");
    writeTokenizerConfig(withEosToken, noEndTemplate, "<|im_end|>");
    writeGenerationConfig(withEosToken, generationEos);
    try (LanguageModel lm = LanguageModel.load(withEosToken)) {
      // the tokenizer's eos_token first, then generation_config.json's list in file order
      assertThat(lm.stopTokenIds()).containsExactly(2L, 31L, 17L, 19L, 26L, 24L);
      assertThat(lm.endOfTurnTokenId()).isEqualTo(2L);
      assertThat(lm.completionTokens(prompt, "hi")).containsExactly(7, 2);
    }

    Path withoutEosToken = tinyDirectory("no-eos-token");
    writeTokenizerConfig(withoutEosToken, noEndTemplate, null);
    writeGenerationConfig(withoutEosToken, generationEos);
    String fingerprintWithout;
    try (LanguageModel lm = LanguageModel.load(withoutEosToken)) {
      // no eos_token: the first of generation_config.json's list
      assertThat(lm.stopTokenIds()).containsExactly(31L, 17L, 2L, 19L, 26L, 24L);
      assertThat(lm.endOfTurnTokenId()).isEqualTo(31L);
      assertThat(lm.completionTokens(prompt, "hi")).containsExactly(7, 31);
      fingerprintWithout = lm.tokenizationFingerprint();
    }
    try (LanguageModel lm = LanguageModel.load(withEosToken)) {
      // other end-of-turn token, other completion ids: cached scores must not be shared
      assertThat(lm.tokenizationFingerprint()).isNotEqualTo(fingerprintWithout);
    }

    // no generation_config.json either: config.json's eos_token_id
    assertThat(LanguageModel.stopTokens(null, List.of(), List.of(9, 4))).containsExactly(9L, 4L);
    assertThat(LanguageModel.stopTokens(5L, List.of(7, 5), List.of(9, 7)))
        .containsExactly(5L, 7L, 9L);
  }

  /**
   * Serving logs a completion's log-prob; the trainer later scores the logged (prompt, completion
   * text) through {@link LanguageModel#completionTokens} and {@link CausalLM#logProbs}. Both must
   * be the same number, for sampled and greedy answers of the shipped chat model.
   */
  @Test
  void theLogProbGenerationReportsIsTheTrainersScoreOfTheSameText() throws Exception {
    try (LanguageModel lm = LanguageModel.load(TinyModels.shippedChatModel());
        LoraAdapter adapter =
            LoraAdapter.create(
                lm.model().config(),
                LoraConfig.of(2, 4, 0, LoraTest.ALL),
                lm.model().manager(),
                DataType.FLOAT32,
                3)) {
      LoraTest.perturb(adapter, 5);
      int compared = 0;
      int sameIds = 0;
      for (LoraAdapter policy : Arrays.asList(null, adapter)) {
        for (SamplingParams params :
            List.of(
                new SamplingParams(96, 0.7, 1.0, 0, 11L, List.of(), 4),
                SamplingParams.greedy(96))) {
          List<List<Completion>> answers = lm.chat(QUESTIONS, params, policy);
          List<CausalLM.Sequence> batch = new ArrayList<>();
          List<Completion> generated = new ArrayList<>();
          List<List<ChatMessage>> promptOf = new ArrayList<>();
          for (int q = 0; q < QUESTIONS.size(); q++) {
            for (Completion c : answers.get(q)) {
              batch.add(lm.tokenize(QUESTIONS.get(q), c.text()));
              generated.add(c);
              promptOf.add(QUESTIONS.get(q));
            }
          }
          double[] trainerScores = trainerScores(lm, batch, policy);
          for (int i = 0; i < generated.size(); i++) {
            Completion c = generated.get(i);
            long[] trainerIds = batch.get(i).completion();
            // the trainer's ids end with the end-of-turn token
            assertThat(trainerIds[trainerIds.length - 1]).isEqualTo(lm.endOfTurnTokenId());
            if (Arrays.equals(c.tokens(), trainerIds)) {
              // generation stopped on the end-of-turn token, whose log-prob it reports too
              sameIds++;
              assertThat(c.finishReason()).isEqualTo("stop");
              assertThat(c.totalLogProb())
                  .as("answer %d of %s: %s", i, params, c.text())
                  .isCloseTo(trainerScores[i], within(1e-4));
            }
            // what serving logs, whichever way it was obtained
            assertThat(lm.scoreGenerated(promptOf.get(i), c, policy))
                .isCloseTo(trainerScores[i], within(1e-4));
            compared++;
          }
        }
      }
      assertThat(compared).isEqualTo(2 * QUESTIONS.size() * 5);
      // the usual case: generation's own ids are the trainer's, so serving computes nothing again
      assertThat(sameIds).isGreaterThan(compared * 3 / 4);
    }
  }

  @Test
  void anAnswerCutByTheLengthLimitIsLoggedWithTheTrainersEndOfTurnToken() throws Exception {
    try (LanguageModel lm = LanguageModel.load(TinyModels.shippedChatModel())) {
      List<ChatMessage> prompt = QUESTIONS.get(0);
      Completion cut = lm.chat(List.of(prompt), SamplingParams.greedy(4), null).get(0).get(0);
      assertThat(cut.finishReason()).isEqualTo("length");
      assertThat(cut.tokens()).hasSize(4);
      long[] trainerIds = lm.completionTokens(prompt, cut.text());
      // the trainer scores the text as a finished turn: the generated ids plus the end-of-turn
      // token
      assertThat(Arrays.copyOf(trainerIds, trainerIds.length - 1)).containsExactly(cut.tokens());
      assertThat(trainerIds[trainerIds.length - 1]).isEqualTo(lm.endOfTurnTokenId());
      double logged = lm.scoreGenerated(prompt, cut, null);
      assertThat(logged)
          .isEqualTo(lm.scoreCompletion(prompt, cut.text(), null))
          .isCloseTo(
              trainerScores(lm, List.of(lm.tokenize(prompt, cut.text())), null)[0], within(1e-4))
          // log p(end-of-turn) < 0 was added to what generation saw
          .isLessThan(cut.totalLogProb());

      // a stop string cuts the text short of the generated ids: the logged score is the text's
      Completion full = lm.chat(List.of(prompt), SamplingParams.greedy(96), null).get(0).get(0);
      String[] words = full.text().split(" ");
      assertThat(words.length).isGreaterThan(2);
      Completion stopped =
          lm.chat(List.of(prompt), SamplingParams.greedy(96).withStop(List.of(words[2])), null)
              .get(0)
              .get(0);
      assertThat(lm.scoreGenerated(prompt, stopped, null))
          .isCloseTo(lm.scoreCompletion(prompt, stopped.text(), null), within(1e-9));
    }
  }

  /** The trainer's sequence log-probs: {@link CausalLM#logProbs} summed, as its scorer does. */
  private static double[] trainerScores(
      LanguageModel lm, List<CausalLM.Sequence> batch, LoraAdapter policy) {
    try (NoGrad ignored = NoGrad.enter();
        NDManager m = lm.model().manager().newSubManager()) {
      float[] sums =
          lm.model()
              .logProbs(m, batch, policy, false)
              .sum()
              .toType(DataType.FLOAT32, false)
              .toFloatArray();
      double[] out = new double[sums.length];
      for (int i = 0; i < sums.length; i++) {
        out[i] = sums[i];
      }
      return out;
    }
  }

  private Path tinyDirectory(String name) throws Exception {
    Path dir = tmp.resolve(name);
    try (CausalLM model = TinyModels.random(TinyModels.llama(), 4)) {
      TinyModels.writeDirectory(dir, model, "F32", 1);
    }
    return dir;
  }

  private static void writeTokenizerConfig(Path dir, String template, String eosToken)
      throws Exception {
    JsonObject config = new JsonObject();
    config.addProperty("chat_template", template);
    if (eosToken != null) {
      config.addProperty("eos_token", eosToken);
    }
    Files.writeString(dir.resolve("tokenizer_config.json"), config.toString());
  }

  private static void writeGenerationConfig(Path dir, List<Integer> eos) throws Exception {
    JsonArray ids = new JsonArray();
    eos.forEach(ids::add);
    JsonObject config = new JsonObject();
    config.add("eos_token_id", ids);
    Files.writeString(dir.resolve("generation_config.json"), config.toString());
  }

  @Test
  void rawTextIsTokenizedAsItIsAndItsAnswerEndsLikeAChatAnswer() throws Exception {
    try (LanguageModel lm = LanguageModel.load(TinyModels.shippedChatModel())) {
      long end = lm.endOfTurnTokenId();
      String prompt = "Question: what is 3 plus 4? Answer:";
      assertThat(lm.rawPromptTokens(prompt)).containsExactly(lm.tokenizer().encode(prompt, true));
      assertThat(lm.rawPromptTokens(prompt))
          .isNotEqualTo(lm.promptTokens(List.of(ChatMessages.user(prompt))));

      // the answer continues the text: prompt ids + answer ids = the text's ids, then the end token
      long[] answer = lm.rawCompletionTokens(prompt, " 7.");
      assertThat(answer[answer.length - 1]).isEqualTo(end);
      long[] joined = new long[lm.rawPromptTokens(prompt).length + answer.length - 1];
      System.arraycopy(lm.rawPromptTokens(prompt), 0, joined, 0, lm.rawPromptTokens(prompt).length);
      System.arraycopy(answer, 0, joined, lm.rawPromptTokens(prompt).length, answer.length - 1);
      assertThat(joined).containsExactly(lm.tokenizer().encode(prompt + " 7.", true));

      // where the tokenizer merges across the boundary ("Answer: " + "7"), the answer stands alone
      long[] merged = lm.rawCompletionTokens("Answer: ", "7");
      long[] alone = lm.tokenizer().encode("7", false);
      assertThat(Arrays.copyOf(merged, merged.length - 1)).containsExactly(alone);

      // an answer that already holds the end token is cut right after it, never extended
      long[] stopped = lm.rawCompletionTokens(prompt, " 7.<|im_end|> more");
      assertThat(stopped[stopped.length - 1]).isEqualTo(end);
      assertThat(stopped).hasSize(answer.length);
    }
  }
}
