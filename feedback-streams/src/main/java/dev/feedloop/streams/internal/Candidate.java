package dev.feedloop.streams.internal;

import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.UnaryFeedback;
import dev.feedloop.schemas.kafka.TopicKeys;

/**
 * A training record on its way out: exactly one of {@code pair} and {@code unary}, with the
 * feedback that produced it (for the dead letter, should the record be rejected).
 */
public record Candidate(
    PreferencePair pair, UnaryFeedback unary, FeedbackReceived trigger, Origin origin) {

  public Candidate {
    if ((pair == null) == (unary == null)) {
      throw new IllegalArgumentException("a candidate is either a pair or a unary record");
    }
  }

  public static Candidate pair(PreferencePair pair, FeedbackReceived trigger, Origin origin) {
    return new Candidate(pair, null, trigger, origin);
  }

  public static Candidate unary(UnaryFeedback unary, FeedbackReceived trigger, Origin origin) {
    return new Candidate(null, unary, trigger, origin);
  }

  public boolean isPair() {
    return pair != null;
  }

  public String recordId() {
    return isPair() ? pair.getPairId() : unary.getRecordId();
  }

  /** The record's key on its output topic ({@link TopicKeys}: the prompt hash). */
  public String key() {
    return isPair() ? TopicKeys.of(pair) : TopicKeys.of(unary);
  }

  /** The user a record counts against for the per-user cap. */
  public String userId() {
    String user = isPair() ? pair.getUserId() : unary.getUserId();
    return user == null ? "" : user;
  }

  public long createdAt() {
    return (isPair() ? pair.getCreatedAt() : unary.getCreatedAt()).toEpochMilli();
  }
}
