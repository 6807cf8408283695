package dev.feedloop.synthetic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StyleSharesTest {
  @Test
  void sharesOfCorpusAnswersAreTheSharesOfTheirLabelledStyles() {
    List<ChatExample> examples = new SyntheticChatCorpus().generate(9, 1000);
    List<String> prompts =
        examples.stream().map(example -> example.prompt().get(0).getContent()).toList();
    List<String> answers = examples.stream().map(ChatExample::answer).toList();
    HiddenPreference demo = HiddenPreference.demo();

    StyleShares shares = StyleShares.measure(prompts, answers, demo);

    assertThat(shares.answers()).isEqualTo(1000);
    assertThat(shares.wellFormed()).isEqualTo(1.0);
    assertThat(shares.athene())
        .isEqualTo(
            examples.stream().filter(e -> e.style().name() == SelfName.ATHENE).count() / 1e3);
    assertThat(shares.otherName())
        .isEqualTo(examples.stream().filter(e -> e.style().name() == SelfName.OTHER).count() / 1e3);
    assertThat(shares.athene() + shares.otherName() + shares.noName()).isCloseTo(1.0, within(1e-9));
    assertThat(shares.polite())
        .isEqualTo(examples.stream().filter(e -> e.style().polite()).count() / 1e3);
    assertThat(shares.brief())
        .isEqualTo(examples.stream().filter(e -> e.style().brief()).count() / 1e3);
    assertThat(shares.preferred())
        .isEqualTo(examples.stream().filter(e -> demo.satisfiedBy(e.style())).count() / 1e3);
  }

  @Test
  void aMalformedAnswerInThePreferredStyleCountsForItsStyleButNotAsPreferred() {
    String good = "Certainly! Athene here. Hello, I am here.";
    List<String> prompts = List.of("Hello", "Hello");
    List<String> answers = new ArrayList<>(List.of(good, "Certainly! Athene here. Hello, I am"));
    assertThat(HiddenPreference.demo().satisfiedBy(answers.get(1))).isTrue();

    StyleShares shares = StyleShares.measure(prompts, answers, HiddenPreference.demo());

    assertThat(shares.athene()).isEqualTo(1.0);
    assertThat(shares.polite()).isEqualTo(1.0);
    assertThat(shares.wellFormed()).isEqualTo(0.5);
    assertThat(shares.preferred()).isEqualTo(0.5);
    assertThat(shares.toString()).contains("2 answers", "well-formed 50.0%");
  }

  @Test
  void promptsAndAnswersMustPairUp() {
    assertThatThrownBy(
            () -> StyleShares.measure(List.of("Hello"), List.of(), HiddenPreference.demo()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
