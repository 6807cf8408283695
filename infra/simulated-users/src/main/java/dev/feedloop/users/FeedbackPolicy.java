package dev.feedloop.users;

import dev.feedloop.schemas.FeedbackKind;
import dev.feedloop.synthetic.AnswerGrammar;
import dev.feedloop.synthetic.HiddenPreference;
import dev.feedloop.synthetic.Question;
import dev.feedloop.synthetic.StyleAttributes;
import dev.feedloop.synthetic.StyleJudge;
import dev.feedloop.synthetic.SyntheticChatCorpus;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * How a user answers what serving said: a pure function of the question, the candidates, the user's
 * taste and a random source. Rules:
 *
 * <ul>
 *   <li>an answer is <em>liked</em> when it is well formed ({@link AnswerGrammar}) and satisfies
 *       the taste ({@link StyleJudge}); a malformed answer is never liked, never thumbed up and
 *       never chosen, whatever its style and whatever the noise;
 *   <li>thumbs: up when liked, down otherwise; a random vote flips a coin, a contrary vote says the
 *       opposite (both still never up on a malformed answer);
 *   <li>choice (two candidates): the one with the higher score wins, score 0 when malformed, else 1
 *       plus the number of the taste's attributes it satisfies (users prefer an answer closer to
 *       what they want); equal scores give no choice. A random choice picks a well-formed candidate
 *       at random, a contrary one picks the lower-scoring candidate when well formed;
 *   <li>edit: an answer not liked is rewritten into a well-formed answer to the same question in a
 *       style the taste wants ({@link SyntheticChatCorpus#answerSatisfying}); a liked answer gets a
 *       thumbs up instead. Edits follow the user's own taste; noise is about votes;
 *   <li>after any feedback, with chance {@link FeedbackMix#retract()}, a retraction of it.
 * </ul>
 */
public final class FeedbackPolicy {
  private final AnswerGrammar grammar;
  private final FeedbackMix mix;
  private final Noise noise;

  public FeedbackPolicy(AnswerGrammar grammar, FeedbackMix mix, Noise noise) {
    this.grammar = grammar;
    this.mix = mix;
    this.noise = noise;
  }

  /** Whether {@code answer} is well formed and in the wanted style. */
  public boolean liked(Question question, String answer, HiddenPreference taste) {
    return grammar.wellFormed(question.prompt(), answer) && taste.satisfiedBy(answer);
  }

  /**
   * 0 for a malformed answer, else 1 plus the number of the taste's attributes it satisfies.
   * Exposed for tests.
   */
  int score(Question question, String answer, HiddenPreference taste) {
    if (!grammar.wellFormed(question.prompt(), answer)) {
      return 0;
    }
    StyleAttributes style = StyleJudge.judge(answer);
    int score = 1;
    score += taste.name() == null || taste.name() == style.name() ? 1 : 0;
    score += taste.polite() == null || taste.polite() == style.polite() ? 1 : 0;
    score += taste.brief() == null || taste.brief() == style.brief() ? 1 : 0;
    return score;
  }

  /**
   * The feedback for one turn: what the turn's kind asks for on {@code candidates} (one, or two for
   * a choice), then perhaps a retraction. Empty when there is nothing to say (a choice between
   * equally good or two malformed answers).
   */
  public List<FeedbackAction> decide(
      FeedbackMix.TurnKind kind,
      Question question,
      List<Candidate> candidates,
      HiddenPreference taste,
      SplittableRandom random) {
    List<FeedbackAction> actions = new ArrayList<>(2);
    FeedbackAction first =
        switch (kind) {
          case THUMBS -> thumbs(question, candidates.get(0), taste, random);
          case CHOICE ->
              candidates.size() < 2
                  ? thumbs(question, candidates.get(0), taste, random)
                  : choice(question, candidates.get(0), candidates.get(1), taste, random);
          case EDIT -> edit(question, candidates.get(0), taste, random);
        };
    if (first != null) {
      actions.add(first);
      if (random.nextDouble() < mix.retract()) {
        actions.add(new FeedbackAction(FeedbackKind.RETRACT, first.generationId(), null, null));
      }
    }
    return actions;
  }

  FeedbackAction thumbs(
      Question question, Candidate candidate, HiddenPreference taste, SplittableRandom random) {
    boolean wellFormed = grammar.wellFormed(question.prompt(), candidate.text());
    boolean liked = wellFormed && taste.satisfiedBy(candidate.text());
    boolean up =
        switch (noise.voteFor(random.nextDouble())) {
          case HONEST -> liked;
          case RANDOM -> random.nextBoolean();
          case CONTRARY -> !liked;
        };
    return FeedbackAction.thumbs(up && wellFormed, candidate.generationId());
  }

  FeedbackAction choice(
      Question question,
      Candidate a,
      Candidate b,
      HiddenPreference taste,
      SplittableRandom random) {
    int scoreA = score(question, a.text(), taste);
    int scoreB = score(question, b.text(), taste);
    Candidate winner;
    switch (noise.voteFor(random.nextDouble())) {
      case RANDOM -> {
        if (scoreA == 0 && scoreB == 0) {
          return null;
        }
        winner = scoreA == 0 ? b : scoreB == 0 ? a : random.nextBoolean() ? a : b;
      }
      case CONTRARY -> {
        if (scoreA == scoreB) {
          return null;
        }
        winner = scoreA < scoreB ? a : b;
        if (Math.min(scoreA, scoreB) == 0) {
          return null; // never prefer a malformed answer, not even out of spite
        }
      }
      default -> {
        if (scoreA == scoreB) {
          return null;
        }
        winner = scoreA > scoreB ? a : b;
      }
    }
    Candidate loser = winner == a ? b : a;
    return new FeedbackAction(
        FeedbackKind.CHOICE, winner.generationId(), loser.generationId(), null);
  }

  FeedbackAction edit(
      Question question, Candidate candidate, HiddenPreference taste, SplittableRandom random) {
    if (liked(question, candidate.text(), taste)) {
      return FeedbackAction.thumbs(true, candidate.generationId());
    }
    return new FeedbackAction(
        FeedbackKind.EDIT,
        candidate.generationId(),
        null,
        SyntheticChatCorpus.answerSatisfying(question, taste, random));
  }
}
