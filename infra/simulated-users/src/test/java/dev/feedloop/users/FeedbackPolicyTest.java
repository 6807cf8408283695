package dev.feedloop.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.feedloop.schemas.FeedbackKind;
import dev.feedloop.synthetic.AnswerGrammar;
import dev.feedloop.synthetic.HiddenPreference;
import dev.feedloop.synthetic.PromptSplit;
import dev.feedloop.synthetic.Question;
import dev.feedloop.synthetic.SelfName;
import dev.feedloop.synthetic.StyleAttributes;
import dev.feedloop.synthetic.SyntheticChatCorpus;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FeedbackPolicyTest {
  private static final AnswerGrammar GRAMMAR = AnswerGrammar.ofCorpus();
  private static final HiddenPreference TASTE = PreferenceSpec.parse("athene,polite");
  private static final FeedbackMix NO_RETRACT = new FeedbackMix(0.5, 0.3, 0.2, 0);
  private final PromptSplit split = PromptSplit.ofCorpus();

  private static String answer(Question question, StyleAttributes style, long seed) {
    return SyntheticChatCorpus.answer(question, style, new SplittableRandom(seed));
  }

  private static final StyleAttributes WANTED = new StyleAttributes(SelfName.ATHENE, true, true);
  private static final StyleAttributes UNWANTED = new StyleAttributes(SelfName.NONE, false, false);

  @Test
  void honestThumbsFollowTheTasteAndTheGrammar() {
    FeedbackPolicy policy = new FeedbackPolicy(GRAMMAR, NO_RETRACT, Noise.NONE);
    Question question = split.chatQuestions().get(0);
    SplittableRandom random = new SplittableRandom(1);
    assertThat(policy.thumbs(question, candidate(answer(question, WANTED, 1)), TASTE, random))
        .isEqualTo(FeedbackAction.thumbs(true, "g"));
    assertThat(policy.thumbs(question, candidate(answer(question, UNWANTED, 1)), TASTE, random))
        .isEqualTo(FeedbackAction.thumbs(false, "g"));
  }

  @Test
  void aMalformedAnswerIsNeverLikedWhateverItsStyleAndTheNoise() {
    // all votes random or contrary: the noisiest users there are
    for (Noise noise : List.of(new Noise(1, 0, 0), new Noise(0, 1, 0), Noise.DEFAULT)) {
      FeedbackPolicy policy = new FeedbackPolicy(GRAMMAR, FeedbackMix.DEFAULT, noise);
      SplittableRandom random = new SplittableRandom(7);
      for (Question question : split.chatQuestions()) {
        String good = answer(question, WANTED, question.prompt().length());
        String broken = good + " and so"; // trails off after a full answer
        assertThat(TASTE.satisfiedBy(broken)).as(broken).isTrue();
        assertThat(GRAMMAR.wellFormed(question.prompt(), broken)).isFalse();
        assertThat(policy.liked(question, broken, TASTE)).isFalse();
        for (FeedbackMix.TurnKind kind : FeedbackMix.TurnKind.values()) {
          List<Candidate> candidates =
              List.of(
                  new Candidate("broken", broken, null),
                  new Candidate("other", answer(question, UNWANTED, 3), null));
          for (FeedbackAction action : policy.decide(kind, question, candidates, TASTE, random)) {
            assertThat(
                    action.kind() == FeedbackKind.THUMBS_UP
                        && action.generationId().equals("broken"))
                .as("%s %s", noise, action)
                .isFalse();
            assertThat(
                    action.kind() == FeedbackKind.CHOICE && action.generationId().equals("broken"))
                .as("%s %s", noise, action)
                .isFalse();
          }
        }
      }
    }
  }

  @Test
  void choicesPreferTheCloserWellFormedAnswerAndSkipTies() {
    FeedbackPolicy policy = new FeedbackPolicy(GRAMMAR, NO_RETRACT, Noise.NONE);
    Question question = split.chatQuestions().get(5);
    SplittableRandom random = new SplittableRandom(2);
    Candidate wanted = new Candidate("w", answer(question, WANTED, 1), null);
    Candidate unwanted = new Candidate("u", answer(question, UNWANTED, 1), null);
    Candidate halfway =
        new Candidate(
            "h", answer(question, new StyleAttributes(SelfName.ATHENE, false, false), 1), null);
    assertThat(policy.choice(question, unwanted, wanted, TASTE, random))
        .isEqualTo(new FeedbackAction(FeedbackKind.CHOICE, "w", "u", null));
    assertThat(policy.choice(question, halfway, unwanted, TASTE, random))
        .isEqualTo(new FeedbackAction(FeedbackKind.CHOICE, "h", "u", null));
    assertThat(policy.choice(question, unwanted, unwanted, TASTE, random)).isNull();
  }

  @Test
  void editsRewriteIntoWellFormedPreferredAnswersPerTheJudge() {
    FeedbackPolicy policy = new FeedbackPolicy(GRAMMAR, NO_RETRACT, Noise.NONE);
    SplittableRandom random = new SplittableRandom(3);
    for (HiddenPreference taste :
        List.of(
            TASTE,
            PreferenceSpec.parse("no-name,brief"),
            PreferenceSpec.parse("other-name,impolite,verbose"))) {
      for (Question question : split.chatQuestions()) {
        FeedbackAction edit =
            policy.edit(question, candidate(answer(question, UNWANTED, 9)), taste, random);
        if (taste.satisfiedBy(new StyleAttributes(SelfName.NONE, false, false))) {
          continue;
        }
        assertThat(edit.kind()).isEqualTo(FeedbackKind.EDIT);
        assertThat(GRAMMAR.wellFormed(question.prompt(), edit.editedText()))
            .as(edit.editedText())
            .isTrue();
        assertThat(taste.satisfiedBy(edit.editedText())).as(edit.editedText()).isTrue();
      }
    }
    Question question = split.chatQuestions().get(0);
    assertThat(policy.edit(question, candidate(answer(question, WANTED, 1)), TASTE, random))
        .isEqualTo(FeedbackAction.thumbs(true, "g"));
  }

  @Test
  void noiseAndRetractionSharesAreWithinToleranceForASeed() {
    Noise noise = new Noise(0.1, 0.2, 0);
    FeedbackMix mix = new FeedbackMix(1, 0, 0, 0.15);
    FeedbackPolicy policy = new FeedbackPolicy(GRAMMAR, mix, noise);
    Question question = split.chatQuestions().get(0);
    Candidate wanted = candidate(answer(question, WANTED, 1));
    SplittableRandom random = new SplittableRandom(11);
    int draws = 20_000;
    int downs = 0;
    int retracts = 0;
    List<List<FeedbackAction>> all = new ArrayList<>();
    for (int i = 0; i < draws; i++) {
      List<FeedbackAction> actions =
          policy.decide(FeedbackMix.TurnKind.THUMBS, question, List.of(wanted), TASTE, random);
      all.add(actions);
      downs += actions.get(0).kind() == FeedbackKind.THUMBS_DOWN ? 1 : 0;
      retracts += actions.size() == 2 ? 1 : 0;
    }
    // a liked answer is voted down by every contrary vote and half of the random ones
    assertThat(downs / (double) draws).isCloseTo(0.2 + 0.1 / 2, within(0.015));
    assertThat(retracts / (double) draws).isCloseTo(0.15, within(0.015));
    // the same seed decides the same
    SplittableRandom again = new SplittableRandom(11);
    for (int i = 0; i < 100; i++) {
      assertThat(
              policy.decide(FeedbackMix.TurnKind.THUMBS, question, List.of(wanted), TASTE, again))
          .isEqualTo(all.get(i));
    }
  }

  @Test
  void aShareOfUsersHasAnotherTasteAndTurnsAreRepeatablePerSeed() {
    Noise noise = new Noise(0, 0, 0.25);
    List<SimulatedUser> users = SimulatedUser.population("u", 4000, TASTE, noise, 5);
    long others = users.stream().filter(SimulatedUser::otherTaste).count();
    assertThat(others / 4000.0).isCloseTo(0.25, within(0.03));
    assertThat(users)
        .filteredOn(SimulatedUser::otherTaste)
        .allSatisfy(
            user -> {
              assertThat(user.taste().name()).isNotEqualTo(SelfName.ATHENE).isNotNull();
              assertThat(user.taste().polite()).isFalse();
              assertThat(user.taste().brief()).isNull();
            });
    assertThat(SimulatedUser.population("u", 4000, TASTE, noise, 5)).isEqualTo(users);

    int[] kinds = new int[3];
    for (int k = 0; k < 10_000; k++) {
      Turn turn = Turn.draw(9, k, users, split, FeedbackMix.DEFAULT);
      Turn again = Turn.draw(9, k, users, split, FeedbackMix.DEFAULT);
      assertThat(again.question()).isEqualTo(turn.question());
      assertThat(again.user()).isEqualTo(turn.user());
      assertThat(split.isEvaluation(turn.question().prompt())).isFalse();
      kinds[turn.kind().ordinal()]++;
    }
    assertThat(kinds[0] / 1e4).isCloseTo(0.5, within(0.02));
    assertThat(kinds[1] / 1e4).isCloseTo(0.3, within(0.02));
    assertThat(kinds[2] / 1e4).isCloseTo(0.2, within(0.02));
  }

  private static Candidate candidate(String text) {
    return new Candidate("g", text, null);
  }
}
