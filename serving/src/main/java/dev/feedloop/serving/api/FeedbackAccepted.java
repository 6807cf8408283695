package dev.feedloop.serving.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.serde.annotation.Serdeable;

/** The answer to accepted feedback: Kafka holds the event under this id. */
@Serdeable
public record FeedbackAccepted(
    @JsonProperty("feedback_id") String feedbackId,
    @JsonProperty("generation_id") String generationId,
    String status) {}
