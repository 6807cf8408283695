package dev.feedloop.schemas.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class TextSimilarityTest {

  @Test
  void identicalMeansEqualAfterCaseAndWhitespaceNormalization() {
    assertThat(TextSimilarity.identical("I am  Athene.\n", "i am athene.")).isTrue();
    assertThat(TextSimilarity.identical("I am Athene.", "I am Athena.")).isFalse();
  }

  @Test
  void similarityIsTheJaccardIndexOfCharacterTrigrams() {
    // "abcd" -> {abc, bcd}; "abce" -> {abc, bce}: one shared of three distinct
    assertThat(TextSimilarity.similarity("abcd", "abce")).isCloseTo(1.0 / 3, within(1e-9));
    assertThat(TextSimilarity.similarity("same text", "SAME   text")).isEqualTo(1.0);
    assertThat(TextSimilarity.similarity("abc", "xyz")).isZero();
  }

  @Test
  void aSmallChangeInALongTextIsNearIdenticalAndAReworditIsNot() {
    String answer =
        "I am Athene, a helpful assistant trained to answer questions politely and briefly.";

    assertThat(TextSimilarity.similarity(answer, answer.replace("briefly", "briefy")))
        .isGreaterThan(0.9);
    assertThat(TextSimilarity.similarity(answer, "Athene here. Ask me anything.")).isLessThan(0.3);
  }

  @Test
  void isSymmetricAndHandlesVeryShortTexts() {
    // texts of different lengths that share some trigrams, so an asymmetric formula would show
    double forward = TextSimilarity.similarity("I am Athene.", "I am Athene, glad to help.");
    assertThat(forward).isStrictlyBetween(0.0, 1.0);
    assertThat(TextSimilarity.similarity("I am Athene, glad to help.", "I am Athene."))
        .isEqualTo(forward);
    assertThat(TextSimilarity.similarity("ok", "ok")).isEqualTo(1.0);
    assertThat(TextSimilarity.similarity("ok", "no")).isZero();
  }
}
