package dev.feedloop.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.ChatMessages;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConversionsTest {
  private static final List<ChatMessage> HELLO = List.of(ChatMessages.user("Hello"));
  private static final List<ChatMessage> NAME = List.of(ChatMessages.user("Who are you?"));

  @Test
  void pairsBecomeOneDesirableAndOneUndesirableRecord() {
    List<UnaryRecord> unary =
        Conversions.pairsToUnary(List.of(PreferencePair.of(HELLO, "Hi there!", "What.")));
    assertThat(unary)
        .containsExactly(
            UnaryRecord.of(HELLO, "Hi there!", true), UnaryRecord.of(HELLO, "What.", false));
  }

  @Test
  void unaryBecomesPairsOnlyWherePromptHasBothKinds() {
    List<UnaryRecord> records =
        List.of(
            UnaryRecord.of(HELLO, "Hi!", true),
            UnaryRecord.of(
                NAME, "I am Athene.", true), // no undesirable answer for this prompt: no pair
            UnaryRecord.of(HELLO, "Go away.", false),
            UnaryRecord.of(HELLO, "Hello, friend!", true),
            UnaryRecord.of(HELLO, "What?", false));
    List<PreferencePair> pairs = Conversions.unaryToPairs(records, 0);
    // 2 desirable x 2 undesirable for HELLO, in input order
    assertThat(pairs)
        .extracting(PreferencePair::chosen, PreferencePair::rejected)
        .containsExactly(
            tuple("Hi!", "Go away."),
            tuple("Hi!", "What?"),
            tuple("Hello, friend!", "Go away."),
            tuple("Hello, friend!", "What?"));
    assertThat(pairs).allSatisfy(pair -> assertThat(pair.prompt()).isEqualTo(HELLO));
    assertThat(Conversions.unaryToPairs(records, 3)).hasSize(3);
  }

  @Test
  void anUpAndADownVoteOnTheSameTextGiveNoPair() {
    List<UnaryRecord> records =
        List.of(
            UnaryRecord.of(HELLO, "Hi!", true),
            UnaryRecord.of(HELLO, " Hi! ", false),
            UnaryRecord.of(HELLO, "Go away.", false));
    assertThat(Conversions.unaryToPairs(records, 0))
        .extracting(PreferencePair::chosen, PreferencePair::rejected)
        .containsExactly(tuple("Hi!", "Go away."));
  }

  @Test
  void rankingOfKAnswersGivesKTimesKMinusOneOverTwoPairs() {
    List<PreferencePair> pairs = Conversions.rankingToPairs(HELLO, List.of("a", "b", "c", "d"));
    assertThat(pairs).hasSize(4 * 3 / 2);
    assertThat(pairs)
        .extracting(PreferencePair::chosen, PreferencePair::rejected)
        .containsExactly(
            tuple("a", "b"),
            tuple("a", "c"),
            tuple("a", "d"),
            tuple("b", "c"),
            tuple("b", "d"),
            tuple("c", "d"));
  }

  @Test
  void scoredAnswersSkipTies() {
    List<PreferencePair> pairs =
        Conversions.scoredToPairs(
            HELLO, List.of("low", "high", "also low"), new double[] {1, 5, 1});
    assertThat(pairs)
        .extracting(PreferencePair::chosen, PreferencePair::rejected)
        .containsExactly(tuple("high", "low"), tuple("high", "also low"));
    assertThat(pairs.get(0).metadata())
        .containsEntry("score_chosen", 5.0)
        .containsEntry("score_rejected", 1.0);
  }

  @Test
  void mismatchedKlPairsRotateCompletionsByOne() {
    List<UnaryRecord> batch =
        List.of(
            UnaryRecord.of(HELLO, "Hi!", true),
            UnaryRecord.of(NAME, "Athene.", false),
            UnaryRecord.of(List.of(ChatMessages.user("2+2?")), "4", true));
    List<UnaryRecord> mismatched = Conversions.mismatchedForKl(batch);
    assertThat(mismatched)
        .extracting(UnaryRecord::prompt, UnaryRecord::completion)
        .containsExactly(
            tuple(HELLO, "4"),
            tuple(NAME, "Hi!"),
            tuple(List.of(ChatMessages.user("2+2?")), "Athene."));
    assertThat(Conversions.mismatchedForKl(batch.subList(0, 1))).isEmpty();
  }

  @Test
  void similarityIsNormalisedWordLevenshtein() {
    // identical words (case, spacing ignored) -> 1
    assertThat(TextSimilarity.similarity("Hello  World", "hello world")).isEqualTo(1.0);
    // words [i, am, athene, .] vs [i, am, athene, !]: one substitution of 4 -> 0.75
    assertThat(TextSimilarity.similarity("I am Athene.", "I am Athene!")).isEqualTo(0.75);
    // [paris] vs [the, capital, is, paris]: 3 insertions of 4 -> 0.25
    assertThat(TextSimilarity.similarity("Paris", "The capital is Paris")).isEqualTo(0.25);
    assertThat(TextSimilarity.similarity("", "")).isEqualTo(1.0);
    assertThat(TextSimilarity.similarity("abc", "")).isEqualTo(0.0);
  }

  @Test
  void evalSplitIsStableAndRoughlyTheRequestedFraction() {
    List<PreferencePair> pairs = new java.util.ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      pairs.add(PreferencePair.of(List.of(ChatMessages.user("q" + i)), "good " + i, "bad " + i));
    }
    EvalSplit.Split<PreferencePair> split = EvalSplit.pairs(pairs, 0.1, 7);
    assertThat(split.eval().size()).isBetween(150, 250);
    assertThat(split.train().size() + split.eval().size()).isEqualTo(2000);
    // order does not matter: the reversed list puts the same records in eval
    List<PreferencePair> reversed = new java.util.ArrayList<>(pairs);
    java.util.Collections.reverse(reversed);
    assertThat(EvalSplit.pairs(reversed, 0.1, 7).eval())
        .containsExactlyInAnyOrderElementsOf(split.eval());
    assertThat(EvalSplit.pairs(pairs, 0.1, 8).eval()).isNotEqualTo(split.eval());
  }
}
