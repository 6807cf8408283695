package dev.feedloop.schemas.kafka;

import dev.feedloop.schemas.AdapterChunk;
import dev.feedloop.schemas.AdapterCommand;
import dev.feedloop.schemas.AdapterPublished;
import dev.feedloop.schemas.DeadLetter;
import dev.feedloop.schemas.EvaluationCompleted;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.TrainerCheckpoint;
import dev.feedloop.schemas.TrainerMetrics;
import dev.feedloop.schemas.TrainerStateChunk;
import dev.feedloop.schemas.UnaryFeedback;
import org.apache.avro.specific.SpecificRecord;

/**
 * The topics of the loop: what each carries and how it is keyed. Names are defaults; {@link
 * TopicNames} holds the names a deployment actually uses.
 */
public enum Topic {
  GENERATIONS("generations", GenerationLogged.class, "generation id", Retention.TIME, false),
  FEEDBACK("feedback", FeedbackReceived.class, "generation id", Retention.TIME, false),
  PREFERENCE_PAIRS("preference-pairs", PreferencePair.class, "prompt hash", Retention.TIME, false),
  UNARY_FEEDBACK("unary-feedback", UnaryFeedback.class, "prompt hash", Retention.TIME, false),
  /**
   * Compacted, one key per model and version: every announcement stays, so a new replica learns the
   * live version and the history it may pin or roll back to.
   */
  ADAPTERS("adapters", AdapterPublished.class, "model id @ version", Retention.COMPACTED, true),
  /**
   * Adapter weights in chunks, compacted with one key per chunk so that every version stays
   * fetchable; the chunks of one model share a partition (AdapterChunks.partitionFor).
   */
  ADAPTER_WEIGHTS(
      "adapter-weights",
      AdapterChunk.class,
      "model id @ version # chunk index",
      Retention.COMPACTED,
      false),
  /**
   * Operators' pin / unpin / rollback, kept forever: every replica, also one started much later,
   * replays the whole history of a model's commands in order (one partition).
   */
  ADAPTER_COMMANDS("adapter-commands", AdapterCommand.class, "model id", Retention.FOREVER, true),
  TRAINER_METRICS("trainer-metrics", TrainerMetrics.class, "run id", Retention.TIME, false),
  /**
   * The online trainer's checkpoints, compacted with one key per model: the newest committed one is
   * where a restarted trainer resumes (written in the transaction of its window's offsets).
   */
  TRAINER_STATE("trainer-state", TrainerCheckpoint.class, "model id", Retention.COMPACTED, true),
  /**
   * The checkpoints' state bytes in chunks, compacted with one key per model and chunk index (a
   * newer checkpoint's chunk replaces the older one); one partition, so a checkpoint's chunks stay
   * together.
   */
  TRAINER_STATE_CHUNKS(
      "trainer-state-chunks",
      TrainerStateChunk.class,
      "model id # chunk index",
      Retention.COMPACTED,
      true),
  /** The learning curve: the evaluator's measurements of the live model, keyed by model id. */
  EVALUATIONS("evaluations", EvaluationCompleted.class, "model id", Retention.TIME, false),
  DEAD_LETTER("dead-letter", DeadLetter.class, "source key", Retention.TIME, false);

  /** How a topic keeps its records. */
  public enum Retention {
    /** Deleted after the catalog's retention time. */
    TIME,
    /** Compacted: the latest record per key stays. */
    COMPACTED,
    /** Never deleted. */
    FOREVER
  }

  private final String defaultName;
  private final Class<? extends SpecificRecord> valueType;
  private final String key;
  private final Retention retention;
  private final boolean singlePartition;

  Topic(
      String defaultName,
      Class<? extends SpecificRecord> valueType,
      String key,
      Retention retention,
      boolean singlePartition) {
    this.defaultName = defaultName;
    this.valueType = valueType;
    this.key = key;
    this.retention = retention;
    this.singlePartition = singlePartition;
  }

  public String defaultName() {
    return defaultName;
  }

  public Class<? extends SpecificRecord> valueType() {
    return valueType;
  }

  /** What the record key holds, for documentation and error messages. */
  public String key() {
    return key;
  }

  public boolean compacted() {
    return retention == Retention.COMPACTED;
  }

  public Retention retention() {
    return retention;
  }

  /** One partition: a total order of the topic's records (announcements, commands) per model. */
  public boolean singlePartition() {
    return singlePartition;
  }

  /** The environment variable that renames this topic, e.g. FEEDLOOP_TOPIC_PREFERENCE_PAIRS. */
  public String environmentVariable() {
    return "FEEDLOOP_TOPIC_" + name();
  }
}
