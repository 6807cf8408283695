package dev.feedloop.schemas.kafka;

import dev.feedloop.schemas.AdapterPublished;
import dev.feedloop.schemas.DeadLetter;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.TrainerMetrics;
import dev.feedloop.schemas.UnaryFeedback;
import org.apache.avro.specific.SpecificRecord;

/**
 * The topics of the loop: what each carries and how it is keyed. Names are defaults; {@link
 * TopicNames} holds the names a deployment actually uses.
 */
public enum Topic {
  GENERATIONS("generations", GenerationLogged.class, "generation id", false),
  FEEDBACK("feedback", FeedbackReceived.class, "generation id", false),
  PREFERENCE_PAIRS("preference-pairs", PreferencePair.class, "prompt hash", false),
  UNARY_FEEDBACK("unary-feedback", UnaryFeedback.class, "prompt hash", false),
  /** Compacted: the latest announcement per model id is what a new replica needs. */
  ADAPTERS("adapters", AdapterPublished.class, "model id", true),
  TRAINER_METRICS("trainer-metrics", TrainerMetrics.class, "run id", false),
  DEAD_LETTER("dead-letter", DeadLetter.class, "source key", false);

  private final String defaultName;
  private final Class<? extends SpecificRecord> valueType;
  private final String key;
  private final boolean compacted;

  Topic(
      String defaultName,
      Class<? extends SpecificRecord> valueType,
      String key,
      boolean compacted) {
    this.defaultName = defaultName;
    this.valueType = valueType;
    this.key = key;
    this.compacted = compacted;
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
    return compacted;
  }

  /** The environment variable that renames this topic, e.g. FEEDLOOP_TOPIC_PREFERENCE_PAIRS. */
  public String environmentVariable() {
    return "FEEDLOOP_TOPIC_" + name();
  }
}
