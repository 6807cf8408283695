package dev.feedloop.users;

import dev.feedloop.schemas.FeedbackKind;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the users sent and how serving answered, counted as they go (thread-safe): chat requests and
 * feedback by HTTP outcome (2xx, 4xx, 5xx, or no answer at all) and accepted feedback by kind.
 */
public final class Outcomes {
  /** How an HTTP call ended. */
  public enum Outcome {
    SUCCESS,
    CLIENT_ERROR,
    SERVER_ERROR,
    NO_RESPONSE;

    static Outcome of(int status) {
      return status >= 200 && status < 300
          ? SUCCESS
          : status >= 400 && status < 500 ? CLIENT_ERROR : SERVER_ERROR;
    }
  }

  private final Map<Outcome, LongAdder> chats = adders(Outcome.class);
  private final Map<Outcome, LongAdder> feedback = adders(Outcome.class);
  private final Map<FeedbackKind, LongAdder> accepted = adders(FeedbackKind.class);

  void chat(int status) {
    chats.get(Outcome.of(status)).increment();
  }

  void chatUnanswered() {
    chats.get(Outcome.NO_RESPONSE).increment();
  }

  void feedback(FeedbackKind kind, int status) {
    Outcome outcome = Outcome.of(status);
    feedback.get(outcome).increment();
    if (outcome == Outcome.SUCCESS) {
      accepted.get(kind).increment();
    }
  }

  void feedbackUnanswered() {
    feedback.get(Outcome.NO_RESPONSE).increment();
  }

  /** Feedback serving accepted (202), all kinds. */
  public long acceptedFeedback() {
    return feedback.get(Outcome.SUCCESS).sum();
  }

  /** A consistent-enough copy of the counters (each read once). */
  public Snapshot snapshot() {
    return new Snapshot(copy(chats), copy(feedback), copy(accepted));
  }

  /**
   * Counters at one moment.
   *
   * @param chats chat requests by outcome
   * @param feedback feedback requests by outcome
   * @param acceptedByKind accepted feedback by kind
   */
  public record Snapshot(
      Map<Outcome, Long> chats,
      Map<Outcome, Long> feedback,
      Map<FeedbackKind, Long> acceptedByKind) {
    @Override
    public String toString() {
      return "chat " + chats + ", feedback " + feedback + ", accepted by kind " + acceptedByKind;
    }
  }

  private static <K extends Enum<K>> Map<K, LongAdder> adders(Class<K> type) {
    Map<K, LongAdder> map = new EnumMap<>(type);
    for (K key : type.getEnumConstants()) {
      map.put(key, new LongAdder());
    }
    return map;
  }

  private static <K extends Enum<K>> Map<K, Long> copy(Map<K, LongAdder> adders) {
    Map<K, Long> copy = new EnumMap<>(adders.keySet().iterator().next().getDeclaringClass());
    adders.forEach((key, adder) -> copy.put(key, adder.sum()));
    return Collections.unmodifiableMap(copy);
  }
}
