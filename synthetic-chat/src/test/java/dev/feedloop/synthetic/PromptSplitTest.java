package dev.feedloop.synthetic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PromptSplitTest {
  private final PromptSplit split = PromptSplit.ofCorpus();

  @Test
  void evaluationAndChatQuestionsPartitionTheBankInEveryCategory() {
    List<Question> all = QuestionBank.all();
    assertThat(split.evaluationQuestions().size() + split.chatQuestions().size())
        .isEqualTo(all.size());
    Set<String> evaluation = new HashSet<>();
    split.evaluationQuestions().forEach(q -> evaluation.add(q.prompt()));
    assertThat(split.chatQuestions()).noneMatch(q -> evaluation.contains(q.prompt()));
    assertThat(split.evaluationQuestions()).hasSize(203);
    for (String category : all.stream().map(Question::category).distinct().toList()) {
      assertThat(split.evaluationQuestions()).anyMatch(q -> q.category().equals(category));
      assertThat(split.chatQuestions()).anyMatch(q -> q.category().equals(category));
    }
  }

  @Test
  void theSplitIsTheSameOnEveryConstruction() {
    PromptSplit again = new PromptSplit(QuestionBank.all());
    assertThat(again.evaluationQuestions()).isEqualTo(split.evaluationQuestions());
    assertThat(again.evaluationPrompts(200)).isEqualTo(split.evaluationPrompts(200));
  }

  @Test
  void sampledChatQuestionsAreNeverEvaluationQuestions() {
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < 20_000; i++) {
      assertThat(split.isEvaluation(split.sampleChatQuestion(random).prompt())).isFalse();
    }
    split
        .evaluationPrompts(200)
        .forEach(prompt -> assertThat(split.isEvaluation(prompt.get(0).getContent())).isTrue());
  }

  @Test
  void evaluationPromptCountIsBounded() {
    assertThat(split.evaluationPrompts(20)).hasSize(20);
    assertThatThrownBy(() -> split.evaluationPrompts(split.evaluationQuestions().size() + 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void answersSatisfyingAPreferenceAreWellFormedAndPreferred() {
    AnswerGrammar grammar = AnswerGrammar.ofCorpus();
    SplittableRandom random = new SplittableRandom(5);
    HiddenPreference preference = new HiddenPreference(SelfName.NONE, false, true);
    for (Question question : split.chatQuestions()) {
      String answer = SyntheticChatCorpus.answerSatisfying(question, preference, random);
      assertThat(grammar.wellFormed(question.prompt(), answer)).as(answer).isTrue();
      assertThat(preference.satisfiedBy(answer)).as(answer).isTrue();
    }
  }
}
