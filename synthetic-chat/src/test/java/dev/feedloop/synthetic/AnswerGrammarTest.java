package dev.feedloop.synthetic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class AnswerGrammarTest {
  private final AnswerGrammar grammar = AnswerGrammar.ofCorpus();
  private final List<ChatExample> corpus = new SyntheticChatCorpus().generate(4, 3000);

  private static String question(ChatExample example) {
    return example.prompt().get(0).getContent();
  }

  @Test
  void everyCorpusAnswerIsWellFormed() {
    for (ChatExample example : corpus) {
      assertThat(grammar.wellFormed(question(example), example.answer()))
          .as(example.answer())
          .isTrue();
    }
  }

  @Test
  void answersCutMidSentenceOrJoinedBadlyAreNot() {
    for (ChatExample example : corpus.subList(0, 300)) {
      String answer = example.answer();
      String question = question(example);
      assertThat(grammar.wellFormed(question, answer.substring(0, answer.length() - 3)))
          .as(answer)
          .isFalse();
      assertThat(grammar.wellFormed(question, answer.replace(" ", "  ")))
          .as(answer)
          .isEqualTo(!answer.contains(" "));
    }
  }

  @Test
  void politePhrasesAndIntroductionsAloneAreNotAnAnswer() {
    assertThat(grammar.wellFormed("Hello", "Certainly! Athene here. I hope this helps.")).isFalse();
    assertThat(grammar.wellFormed("Hello", "")).isFalse();
  }

  @Test
  void anotherQuestionsAnswerIsNotWellFormed() {
    Question capital =
        QuestionBank.all().stream()
            .filter(q -> q.prompt().equals("What is the capital of Quendor?"))
            .findFirst()
            .orElseThrow();
    assertThat(grammar.wellFormed(capital.prompt(), capital.coreAnswer())).isTrue();
    assertThat(grammar.wellFormed("What is the capital of Veloria?", capital.coreAnswer()))
        .isFalse();
  }

  @Test
  void unknownPromptsAreRejected() {
    assertThatThrownBy(() -> grammar.wellFormed("What is love?", "Baby don't hurt me."))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("What is love?");
  }
}
