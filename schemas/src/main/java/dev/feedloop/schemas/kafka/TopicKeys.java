package dev.feedloop.schemas.kafka;

import dev.feedloop.schemas.AdapterChunk;
import dev.feedloop.schemas.AdapterCommand;
import dev.feedloop.schemas.AdapterPublished;
import dev.feedloop.schemas.EvaluationCompleted;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.TrainerCheckpoint;
import dev.feedloop.schemas.TrainerMetrics;
import dev.feedloop.schemas.TrainerStateChunk;
import dev.feedloop.schemas.UnaryFeedback;

/**
 * The record key of every event, one rule per topic, so that producers and the consumers that check
 * keys agree: generations and feedback by generation id (a feedback event meets its generation in
 * the same partition), training records by prompt hash (the pairs and votes of one prompt meet in
 * one partition), adapter announcements by model id and version ("tiny-chat@3": compaction keeps
 * every version, which history and rollback need), adapter weight chunks by model id, version and
 * index ("tiny-chat@3#0"), operator commands by model id (one model's commands stay in order),
 * trainer metrics by run id, evaluations by model id, trainer checkpoints by model id and their
 * state chunks by model id and index ("tiny-chat#0": compaction keeps the newest checkpoint's
 * chunks). Dead letters keep the source record's key bytes as they are.
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
    return adapterVersion(adapter.getModelId(), adapter.getVersion());
  }

  public static String of(AdapterChunk chunk) {
    return adapterVersion(chunk.getModelId(), chunk.getVersion()) + "#" + chunk.getIndex();
  }

  public static String of(AdapterCommand command) {
    return command.getModelId();
  }

  /**
   * "model@version": unique per version, since the part after the last '@' is only digits and a
   * model id cannot end a key this way for another version.
   */
  private static String adapterVersion(String modelId, long version) {
    return modelId + "@" + version;
  }

  public static String of(TrainerMetrics metrics) {
    return metrics.getRunId();
  }

  public static String of(EvaluationCompleted evaluation) {
    return evaluation.getModelId();
  }

  public static String of(TrainerCheckpoint checkpoint) {
    return checkpoint.getModelId();
  }

  public static String of(TrainerStateChunk chunk) {
    return chunk.getModelId() + "#" + chunk.getIndex();
  }
}
