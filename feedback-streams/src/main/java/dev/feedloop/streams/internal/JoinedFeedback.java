package dev.feedloop.streams.internal;

import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.GenerationLogged;

/**
 * Feedback with the generation it is about ({@code null} while unknown) and, for a CHOICE, the
 * other candidate ({@code null} until joined).
 */
public record JoinedFeedback(
    FeedbackReceived feedback, Origin origin, GenerationLogged generation, GenerationLogged other) {

  public JoinedFeedback withOther(GenerationLogged otherGeneration) {
    return new JoinedFeedback(feedback, origin, generation, otherGeneration);
  }

  /** Event time of the feedback itself, which orders a user's votes. */
  public long feedbackTime() {
    return feedback.getReceivedAt().toEpochMilli();
  }
}
