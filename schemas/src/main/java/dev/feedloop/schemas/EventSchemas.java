package dev.feedloop.schemas;

import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * The events that travel on Kafka as top-level values, plus the trainer's state (single-object
 * encoded inside its chunks), in one list so that nothing forgets one.
 */
public final class EventSchemas {

  /** The generated classes' own model, so logical types (timestamps) map to java.time. */
  public static final SpecificData SPECIFIC_DATA = SpecificData.getForClass(GenerationLogged.class);

  public static final List<Class<? extends SpecificRecord>> EVENT_TYPES =
      List.of(
          GenerationLogged.class,
          FeedbackReceived.class,
          PreferencePair.class,
          UnaryFeedback.class,
          AdapterPublished.class,
          AdapterChunk.class,
          AdapterCommand.class,
          TrainerMetrics.class,
          TrainerCheckpoint.class,
          TrainerStateChunk.class,
          TrainerState.class,
          EvaluationCompleted.class,
          DeadLetter.class);

  private EventSchemas() {}

  public static Schema schemaOf(Class<? extends SpecificRecord> eventType) {
    return SPECIFIC_DATA.getSchema(eventType);
  }
}
