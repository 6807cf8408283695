package dev.feedloop.users;

import dev.feedloop.synthetic.PromptSplit;
import dev.feedloop.synthetic.Question;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One user's turn, drawn from the run's seed and the turn's number alone, so a seed repeats every
 * choice whatever the threads' timing: which user, which chat question, what kind of feedback, and
 * the random source of the votes that follow.
 */
record Turn(
    long number,
    SimulatedUser user,
    Question question,
    FeedbackMix.TurnKind kind,
    SplittableRandom random) {

  static Turn draw(
      long seed, long number, List<SimulatedUser> users, PromptSplit split, FeedbackMix mix) {
    // golden-ratio increments keep the per-turn streams apart (SplittableRandom's own gamma)
    SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + number);
    SimulatedUser user = users.get(random.nextInt(users.size()));
    Question question = split.sampleChatQuestion(random);
    return new Turn(number, user, question, mix.kindFor(random.nextDouble()), random);
  }

  /** Candidates to ask for: two for a choice, else one. */
  int candidates() {
    return kind == FeedbackMix.TurnKind.CHOICE ? 2 : 1;
  }
}
