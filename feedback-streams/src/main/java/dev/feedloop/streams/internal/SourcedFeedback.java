package dev.feedloop.streams.internal;

import dev.feedloop.schemas.FeedbackReceived;

/** A decoded, valid feedback event and the input record it was read from. */
public record SourcedFeedback(FeedbackReceived feedback, Origin origin) {}
