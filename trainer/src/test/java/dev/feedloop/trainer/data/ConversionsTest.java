package dev.feedloop.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.ChatMessages;
import dev.feedloop.schemas.PairSource;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.UnaryFeedback;
import dev.feedloop.schemas.rules.RecordIds;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConversionsTest {
  private static final List<ChatMessage> HELLO = List.of(ChatMessages.user("Hello"));
  private static final List<ChatMessage> NAME = List.of(ChatMessages.user("Who are you?"));
  private static final ImportedRecords RECORDS =
      ImportedRecords.stamped("tiny-chat", Instant.parse("2025-01-01T00:00:00Z"));

  @Test
  void pairsBecomeOneDesirableAndOneUndesirableRecord() {
    List<UnaryFeedback> unary =
        Conversions.pairsToUnary(List.of(RECORDS.pair(HELLO, "Hi there!", "What.")));
    assertThat(unary)
        .containsExactly(
            RECORDS.unary(HELLO, "Hi there!", true), RECORDS.unary(HELLO, "What.", false));
  }

  @Test
  void eachSideOfALivePairKeepsItsGenerationAndThePairsProvenance() {
    PreferencePair choice =
        RECORDS
            .pairBuilder(HELLO, "Hi there!", "What.", 0.5)
            .setPairId("choice:f-1")
            .setSource(PairSource.CHOICE)
            .setChosenGenerationId("g-1")
            .setRejectedGenerationId("g-2")
            .setChosenAdapterVersion(4L)
            .setRejectedAdapterVersion(3L)
            .setUserId("u-1")
            .build();
    List<UnaryFeedback> unary = Conversions.pairsToUnary(List.of(choice));
    assertThat(unary)
        .extracting(
            UnaryFeedback::getDesirable,
            UnaryFeedback::getGenerationId,
            UnaryFeedback::getAdapterVersion)
        .containsExactly(tuple(true, "g-1", 4L), tuple(false, "g-2", 3L));
    assertThat(unary)
        .allSatisfy(
            record -> {
              assertThat(record.getUserId()).isEqualTo("u-1");
              assertThat(record.getWeight()).isEqualTo(0.5);
              assertThat(record.getModelId()).isEqualTo("tiny-chat");
              assertThat(record.getPromptHash()).isEqualTo(choice.getPromptHash());
              assertThat(record.getCreatedAt()).isEqualTo(choice.getCreatedAt());
            });
    assertThat(unary.get(0).getRecordId())
        .isEqualTo(RecordIds.importedUnary(HELLO, "Hi there!", true));
  }

  @Test
  void unaryBecomesPairsOnlyWherePromptHasBothKinds() {
    List<UnaryFeedback> records =
        List.of(
            RECORDS.unary(HELLO, "Hi!", true),
            RECORDS.unary(
                NAME, "I am Athene.", true), // no undesirable answer for this prompt: no pair
            RECORDS.unary(HELLO, "Go away.", false),
            RECORDS.unary(HELLO, "Hello, friend!", true),
            RECORDS.unary(HELLO, "What?", false));
    List<PreferencePair> pairs = Conversions.unaryToPairs(records, 0);
    // 2 desirable x 2 undesirable for HELLO, in input order
    assertThat(pairs)
        .extracting(PreferencePair::getChosen, PreferencePair::getRejected)
        .containsExactly(
            tuple("Hi!", "Go away."),
            tuple("Hi!", "What?"),
            tuple("Hello, friend!", "Go away."),
            tuple("Hello, friend!", "What?"));
    assertThat(pairs).allSatisfy(pair -> assertThat(pair.getPrompt()).isEqualTo(HELLO));
    assertThat(pairs.get(0)).isEqualTo(RECORDS.pair(HELLO, "Hi!", "Go away."));
    assertThat(Conversions.unaryToPairs(records, 3)).hasSize(3);
  }

  @Test
  void anUpAndADownVoteOnTheSameTextGiveNoPair() {
    List<UnaryFeedback> records =
        List.of(
            RECORDS.unary(HELLO, "Hi!", true),
            RECORDS.unary(HELLO, " Hi! ", false),
            RECORDS.unary(HELLO, "Go away.", false));
    assertThat(Conversions.unaryToPairs(records, 0))
        .extracting(PreferencePair::getChosen, PreferencePair::getRejected)
        .containsExactly(tuple("Hi!", "Go away."));
  }

  @Test
  void rankingOfKAnswersGivesKTimesKMinusOneOverTwoPairs() {
    List<PreferencePair> pairs =
        Conversions.rankingToPairs(RECORDS, HELLO, List.of("a", "b", "c", "d"));
    assertThat(pairs).hasSize(4 * 3 / 2);
    assertThat(pairs)
        .extracting(PreferencePair::getChosen, PreferencePair::getRejected)
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
            RECORDS, HELLO, List.of("low", "high", "also low"), new double[] {1, 5, 1});
    assertThat(pairs)
        .extracting(PreferencePair::getChosen, PreferencePair::getRejected)
        .containsExactly(tuple("high", "low"), tuple("high", "also low"));
    assertThat(pairs.get(0)).isEqualTo(RECORDS.pair(HELLO, "high", "low"));
  }

  @Test
  void evalSplitIsStableAndRoughlyTheRequestedFraction() {
    List<PreferencePair> pairs = new java.util.ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      pairs.add(RECORDS.pair(List.of(ChatMessages.user("q" + i)), "good " + i, "bad " + i));
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
    // the side depends on the content only: the same pair from a user's choice lands alike
    PreferencePair held = split.eval().get(0);
    PreferencePair live =
        RECORDS
            .pairBuilder(held.getPrompt(), held.getChosen(), held.getRejected(), 1.0)
            .setPairId("choice:f-1")
            .setSource(PairSource.CHOICE)
            .setModelId("other")
            .build();
    assertThat(EvalSplit.pairs(List.of(live), 0.1, 7).eval()).containsExactly(live);
    // unary records split the same way, and stably
    List<UnaryFeedback> unary = Conversions.pairsToUnary(pairs);
    EvalSplit.Split<UnaryFeedback> unarySplit = EvalSplit.unary(unary, 0.1, 7);
    assertThat(unarySplit.eval().size()).isBetween(300, 500);
    List<UnaryFeedback> reversedUnary = new java.util.ArrayList<>(unary);
    java.util.Collections.reverse(reversedUnary);
    assertThat(EvalSplit.unary(reversedUnary, 0.1, 7).eval())
        .containsExactlyInAnyOrderElementsOf(unarySplit.eval());
  }
}
