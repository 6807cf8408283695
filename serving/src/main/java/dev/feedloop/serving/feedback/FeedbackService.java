package dev.feedloop.serving.feedback;

import dev.feedloop.schemas.FeedbackKind;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.serving.ServingSettings;
import dev.feedloop.serving.api.ApiException;
import dev.feedloop.serving.api.FeedbackAccepted;
import dev.feedloop.serving.api.FeedbackRequest;
import dev.feedloop.serving.events.EventLog;
import dev.feedloop.serving.events.EventNotAcknowledgedException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Checks feedback against the generations this replica answered and logs it as FeedbackReceived; a
 * call is answered only once Kafka holds the event.
 */
@Singleton
public final class FeedbackService {

  /** How long feedback on an unknown id waits for another replica's generation to arrive. */
  private final Duration unknownGenerationWait;

  /** The user of feedback that names none, on a generation whose request named none either. */
  static final String ANONYMOUS_USER = "anonymous";

  private final GenerationIndex index;
  private final EventLog events;
  private final ServingSettings settings;
  private final Map<FeedbackKind, Counter> accepted = new EnumMap<>(FeedbackKind.class);

  public FeedbackService(
      GenerationIndex index,
      EventLog events,
      ServingSettings settings,
      MeterRegistry meters,
      @Value("${feedloop.serving.feedback.unknown-generation-wait:2s}")
          Duration unknownGenerationWait) {
    this.unknownGenerationWait = unknownGenerationWait;
    this.index = index;
    this.events = events;
    this.settings = settings;
    for (FeedbackKind kind : FeedbackKind.values()) {
      accepted.put(
          kind,
          meters.counter(
              "feedloop.feedback.accepted", "kind", kind.name().toLowerCase(Locale.ROOT)));
    }
  }

  public FeedbackAccepted submit(FeedbackRequest request) {
    FeedbackKind kind = FeedbackKind.valueOf(request.kind().toUpperCase(Locale.ROOT));
    GenerationIndex.RecentGeneration generation =
        index
            .findOrAwait(request.generationId(), unknownGenerationWait)
            .orElseThrow(
                () ->
                    ApiException.notFound(
                        "generation_id", "unknown generation " + request.generationId()));
    checkOwner(request, generation);
    checkKindFields(kind, request, generation);

    String feedbackId = UUID.randomUUID().toString();
    FeedbackReceived event =
        FeedbackReceived.newBuilder()
            .setFeedbackId(feedbackId)
            .setGenerationId(generation.generationId())
            .setUserId(userOf(request, generation))
            .setKind(kind)
            .setOtherGenerationId(request.otherGenerationId())
            .setEditedText(request.editedText())
            .setComment(request.comment())
            .setReceivedAt(Instant.now())
            .build();
    try {
      events.logFeedbackDurably(event, settings.feedbackAcknowledgeTimeout());
    } catch (EventNotAcknowledgedException e) {
      throw ApiException.unavailable("feedback was not recorded, retry: " + e.getMessage());
    }
    accepted.get(kind).increment();
    return new FeedbackAccepted(feedbackId, generation.generationId(), "accepted");
  }

  /** When both name a user, only the user who asked may judge the answer. */
  private static void checkOwner(
      FeedbackRequest request, GenerationIndex.RecentGeneration generation) {
    if (request.userId() != null
        && generation.userId() != null
        && !request.userId().equals(generation.userId())) {
      throw ApiException.forbidden("user_id", "the generation belongs to another user");
    }
  }

  /** A choice names a rival of the same prompt; an edit carries its text; others carry neither. */
  private void checkKindFields(
      FeedbackKind kind, FeedbackRequest request, GenerationIndex.RecentGeneration generation) {
    if (kind != FeedbackKind.CHOICE && request.otherGenerationId() != null) {
      throw ApiException.invalid(
          "other_generation_id", "other_generation_id belongs to kind choice only");
    }
    if (kind != FeedbackKind.EDIT && request.editedText() != null) {
      throw ApiException.invalid("edited_text", "edited_text belongs to kind edit only");
    }
    if (kind == FeedbackKind.CHOICE) {
      String otherId = request.otherGenerationId();
      if (otherId == null || otherId.isBlank()) {
        throw ApiException.invalid(
            "other_generation_id", "a choice names the generation that lost");
      }
      if (otherId.equals(generation.generationId())) {
        throw ApiException.invalid(
            "other_generation_id", "a choice compares two different generations");
      }
      GenerationIndex.RecentGeneration other =
          index
              .findOrAwait(otherId, unknownGenerationWait)
              .orElseThrow(
                  () ->
                      ApiException.notFound(
                          "other_generation_id", "unknown generation " + otherId));
      if (!other.promptHash().equals(generation.promptHash())) {
        throw ApiException.conflict(
            "other_generation_id", "a choice compares answers to the same prompt");
      }
    }
    if (kind == FeedbackKind.EDIT
        && (request.editedText() == null || request.editedText().isBlank())) {
      throw ApiException.invalid("edited_text", "an edit carries the corrected answer");
    }
  }

  private static String userOf(
      FeedbackRequest request, GenerationIndex.RecentGeneration generation) {
    if (request.userId() != null && !request.userId().isBlank()) {
      return request.userId();
    }
    return generation.userId() != null ? generation.userId() : ANONYMOUS_USER;
  }
}
