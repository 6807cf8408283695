package dev.feedloop.trainer.publish;

import dev.feedloop.schemas.DeadLetter;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.UnaryFeedback;
import dev.feedloop.schemas.kafka.TopicKeys;
import dev.feedloop.trainer.data.RecordDecision;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;

/**
 * Dead letters for what an import rejected, so that rejects from files land where the loop's other
 * rejects do, with the same reason codes. A dead letter of an import points at its file and line:
 * {@code source_topic} is {@value #FILE_PREFIX}{@code <path as given>}, {@code source_offset} the
 * 1-based line (partition -1); {@code detail} repeats {@code file:line:}. Its value is the rejected
 * record in Avro when one was made (with its topic's key), else the item's JSON text.
 */
public final class ImportDeadLetters {

  /** Marks a source that is a file, not a topic. */
  public static final String FILE_PREFIX = "file:";

  private static final EventSerde<PreferencePair> PAIRS = EventSerde.of(PreferencePair.class);
  private static final EventSerde<UnaryFeedback> UNARY = EventSerde.of(UnaryFeedback.class);

  private ImportDeadLetters() {}

  /**
   * @param record the record the rules rejected, or null
   * @param text the item's source text when no record was made, or null
   */
  public static DeadLetter of(
      RecordDecision decision, SpecificRecord record, String text, Instant at) {
    byte[] key = null;
    byte[] value = text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    String detail = decision.file() + ":" + decision.line() + ": " + decision.detail();
    if (record instanceof PreferencePair pair) {
      key = TopicKeys.of(pair).getBytes(StandardCharsets.UTF_8);
      value = PAIRS.serialize(null, pair);
      detail += " [record " + pair.getPairId() + "]";
    } else if (record instanceof UnaryFeedback unary) {
      key = TopicKeys.of(unary).getBytes(StandardCharsets.UTF_8);
      value = UNARY.serialize(null, unary);
      detail += " [record " + unary.getRecordId() + "]";
    }
    return DeadLetter.newBuilder()
        .setSourceTopic(FILE_PREFIX + decision.file())
        .setSourcePartition(-1)
        .setSourceOffset(decision.line())
        .setOriginalKey(key == null ? null : ByteBuffer.wrap(key))
        .setOriginalValue(value == null ? null : ByteBuffer.wrap(value))
        .setReason(decision.reason().orElseThrow().code())
        .setDetail(detail)
        .setCreatedAt(at)
        .build();
  }
}
