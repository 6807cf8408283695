package dev.feedloop.streams;

import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.FeedbackKind;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.SampleEvents;
import java.time.Instant;

/** Terse builders of input events for topology tests. */
final class Events {

  static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

  static {
    // Avro 1.12.2 instantiates nested records (builder copies) only from trusted packages, and
    // EventSerde's class initializer is what trusts ours; tests may copy events before any serde
    // exists.
    EventSerde.of(GenerationLogged.class);
  }

  private Events() {}

  static Instant at(long seconds) {
    return T0.plusSeconds(seconds);
  }

  static GenerationLogged generation(
      String id, String question, String completion, Instant createdAt, Long adapterVersion) {
    return GenerationLogged.newBuilder(SampleEvents.generation(id, question, completion))
        .setCreatedAt(createdAt)
        .setAdapterVersion(adapterVersion)
        .build();
  }

  static GenerationLogged generation(
      String id, String question, String completion, Instant createdAt) {
    return generation(id, question, completion, createdAt, 3L);
  }

  static FeedbackReceived vote(
      String feedbackId, String generationId, String user, FeedbackKind kind, Instant at) {
    return FeedbackReceived.newBuilder()
        .setFeedbackId(feedbackId)
        .setGenerationId(generationId)
        .setUserId(user)
        .setKind(kind)
        .setReceivedAt(at)
        .build();
  }

  static FeedbackReceived up(String feedbackId, String generationId, String user, Instant at) {
    return vote(feedbackId, generationId, user, FeedbackKind.THUMBS_UP, at);
  }

  static FeedbackReceived down(String feedbackId, String generationId, String user, Instant at) {
    return vote(feedbackId, generationId, user, FeedbackKind.THUMBS_DOWN, at);
  }

  static FeedbackReceived retract(String feedbackId, String generationId, String user, Instant at) {
    return vote(feedbackId, generationId, user, FeedbackKind.RETRACT, at);
  }

  static FeedbackReceived choice(
      String feedbackId, String chosenId, String otherId, String user, Instant at) {
    return FeedbackReceived.newBuilder(vote(feedbackId, chosenId, user, FeedbackKind.CHOICE, at))
        .setOtherGenerationId(otherId)
        .build();
  }

  static FeedbackReceived edit(
      String feedbackId, String generationId, String user, String text, Instant at) {
    return FeedbackReceived.newBuilder(vote(feedbackId, generationId, user, FeedbackKind.EDIT, at))
        .setEditedText(text)
        .build();
  }
}
