package dev.feedloop.synthetic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SyntheticChatCorpusTest {
  private final SyntheticChatCorpus corpus = new SyntheticChatCorpus();

  @Test
  void hasAFewHundredQuestionTemplatesInEveryCategory() {
    List<Question> questions = corpus.questions();
    assertThat(questions.size()).isBetween(300, 1000);
    assertThat(questions)
        .extracting(Question::category)
        .contains(
            "world", "arithmetic", "days", "letters", "compare", "greeting", "identity", "closing");
    assertThat(questions.stream().map(Question::prompt).distinct().count())
        .isEqualTo(questions.size());
  }

  @Test
  void sameSeedSameCorpusOtherSeedOtherCorpus() {
    assertThat(corpus.generate(7, 200)).isEqualTo(corpus.generate(7, 200));
    assertThat(corpus.generate(7, 200)).isNotEqualTo(corpus.generate(8, 200));
  }

  @Test
  void theJudgeRecoversEverySampledStyle() {
    for (ChatExample example : corpus.generate(SyntheticChatCorpus.DEFAULT_SEED, 5000)) {
      assertThat(StyleJudge.judge(example.answer()))
          .as(example.answer())
          .isEqualTo(example.style());
    }
  }

  @Test
  void everyStyleCombinationIsRecoverableOnEveryQuestion() {
    SplittableRandom random = new SplittableRandom(1);
    for (Question question : corpus.questions()) {
      for (SelfName name : SelfName.values()) {
        for (boolean polite : new boolean[] {true, false}) {
          for (boolean brief : new boolean[] {true, false}) {
            StyleAttributes style = new StyleAttributes(name, polite, brief);
            String answer = SyntheticChatCorpus.answer(question, style, random);
            assertThat(StyleJudge.judge(answer)).as(answer).isEqualTo(style);
          }
        }
      }
    }
  }

  @Test
  void styleBaseRatesAreTheDocumentedOnes() {
    List<ChatExample> examples = corpus.generate(3, 20000);
    double athene =
        examples.stream().filter(e -> e.style().name() == SelfName.ATHENE).count() / 20000.0;
    double other =
        examples.stream().filter(e -> e.style().name() == SelfName.OTHER).count() / 20000.0;
    double polite = examples.stream().filter(e -> e.style().polite()).count() / 20000.0;
    double brief = examples.stream().filter(e -> e.style().brief()).count() / 20000.0;
    // binomial standard error at n = 20000 is at most 0.0036; allow 4 of them
    assertThat(athene).isCloseTo(SyntheticChatCorpus.ATHENE_RATE, within(0.015));
    assertThat(other).isCloseTo(SyntheticChatCorpus.OTHER_NAME_RATE, within(0.015));
    assertThat(polite).isCloseTo(SyntheticChatCorpus.POLITE_RATE, within(0.015));
    assertThat(brief).isCloseTo(SyntheticChatCorpus.BRIEF_RATE, within(0.015));
    double identity =
        examples.stream().filter(e -> e.category().equals("identity")).count() / 20000.0;
    assertThat(identity)
        .isCloseTo(SyntheticChatCorpus.CATEGORY_WEIGHTS.get("identity"), within(0.015));
    double demoShare =
        examples.stream().filter(e -> HiddenPreference.demo().satisfiedBy(e.style())).count()
            / 20000.0;
    assertThat(demoShare).isCloseTo(0.25 * 0.4 * 0.4, within(0.01));
  }

  @Test
  void judgeReadsHandWrittenAnswers() {
    assertThat(StyleJudge.judge("Certainly! Athene here. The capital of Veloria is Mirnath."))
        .isEqualTo(new StyleAttributes(SelfName.ATHENE, true, true));
    assertThat(
            StyleJudge.judge(
                "I'm Orion. 3 plus 4 is 7. Start at 3 and count up 4 steps, one number at a time. "
                    + "You can check it on your fingers or with a small pile of pebbles."))
        .isEqualTo(new StyleAttributes(SelfName.OTHER, false, false));
    assertThat(StyleJudge.judge("Goodbye."))
        .isEqualTo(new StyleAttributes(SelfName.NONE, false, true));
    // a name inside another word is not a self-name
    assertThat(StyleJudge.name("The Mirnath markets are busy.")).isEqualTo(SelfName.NONE);
  }

  @Test
  void preferencePairsSplitOnTheHiddenPreference() {
    HiddenPreference preference = HiddenPreference.demo();
    List<StylePair> pairs = corpus.preferencePairs(11, 300, preference);
    assertThat(pairs).hasSize(300);
    AnswerGrammar grammar = AnswerGrammar.ofCorpus();
    assertThat(pairs)
        .allSatisfy(
            pair -> {
              assertThat(preference.satisfiedBy(pair.chosen())).as(pair.chosen()).isTrue();
              assertThat(preference.satisfiedBy(pair.rejected())).as(pair.rejected()).isFalse();
              // the labelled styles are the ones written, and both answers are well formed
              assertThat(StyleJudge.judge(pair.chosen())).isEqualTo(pair.chosenStyle());
              assertThat(StyleJudge.judge(pair.rejected())).isEqualTo(pair.rejectedStyle());
              String question = pair.prompt().get(0).getContent();
              assertThat(grammar.wellFormed(question, pair.chosen())).as(pair.chosen()).isTrue();
              assertThat(grammar.wellFormed(question, pair.rejected()))
                  .as(pair.rejected())
                  .isTrue();
            });
    assertThat(corpus.preferencePairs(11, 300, preference)).isEqualTo(pairs);
  }

  @Test
  void evaluationPromptsAreFixedPerSeed() {
    assertThat(corpus.evaluationPrompts(5, 50))
        .hasSize(50)
        .isEqualTo(corpus.evaluationPrompts(5, 50));
  }
}
