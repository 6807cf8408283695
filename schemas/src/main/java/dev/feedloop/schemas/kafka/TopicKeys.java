package dev.feedloop.schemas.kafka;

import dev.feedloop.schemas.AdapterPublished;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.TrainerMetrics;
import dev.feedloop.schemas.UnaryFeedback;

/**
 * The record key of every event, one rule per topic, so that producers and the consumers that check
 * keys agree: generations and feedback by generation id (a feedback event meets its generation in
 * the same partition), training records by prompt hash (the pairs and votes of one prompt meet in
 * one partition), adapters by model id (compaction keeps the live announcement of each model),
 * trainer metrics by run id. Dead letters keep the source record's key bytes as they are.
 */
public final class TopicKeys {

  private TopicKeys() {}

  public static String of(GenerationLogged generation) {
    return generation.getGenerationId();
  }

  public static String of(FeedbackReceived feedback) {
    return feedback.getGenerationId();
  }

  public static String of(PreferencePair pair) {
    return pair.getPromptHash();
  }

  public static String of(UnaryFeedback unary) {
    return unary.getPromptHash();
  }

  public static String of(AdapterPublished adapter) {
    return adapter.getModelId();
  }

  public static String of(TrainerMetrics metrics) {
    return metrics.getRunId();
  }
}
