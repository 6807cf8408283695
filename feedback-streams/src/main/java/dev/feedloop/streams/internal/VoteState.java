package dev.feedloop.streams.internal;

/**
 * One user's votes on one generation: the latest vote so far, and whether the state has settled
 * (then it was emitted and is kept only to reject votes that come after).
 */
public record VoteState(JoinedFeedback latest, long settlesAt, long forgetAt, boolean settled) {

  public VoteState withLatest(JoinedFeedback vote) {
    return new VoteState(vote, settlesAt, forgetAt, settled);
  }

  public VoteState asSettled() {
    return new VoteState(latest, settlesAt, forgetAt, true);
  }
}
