package dev.feedloop.streams;

import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.rules.RejectReason;
import dev.feedloop.schemas.rules.Rejection;
import dev.feedloop.streams.internal.DeadLetters;
import dev.feedloop.streams.internal.Origin;
import dev.feedloop.streams.internal.Routed;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.BiFunction;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Reads an input topic's raw bytes: undecodable or invalid records become dead letters that carry
 * the original bytes, topic, partition and offset, so bad input never stops the app and is never
 * lost.
 */
final class InputDecoder<T extends SpecificRecord, V>
    extends ContextualProcessor<byte[], byte[], String, Routed<V>> {

  /** Checks a decoded event against its record key; empty when valid. */
  interface Check<T> extends BiFunction<T, String, Optional<Rejection>> {}

  private final EventSerde<T> serde;
  private final Check<T> check;
  private final BiFunction<T, Origin, V> wrap;
  private final FeedbackStreamsMetrics metrics;

  InputDecoder(
      EventSerde<T> serde,
      Check<T> check,
      BiFunction<T, Origin, V> wrap,
      FeedbackStreamsMetrics metrics) {
    this.serde = serde;
    this.check = check;
    this.wrap = wrap;
    this.metrics = metrics;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    Origin origin = Origin.of(context());
    metrics.recordIn(origin.topic());
    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    T event;
    try {
      event = serde.deserialize(origin.topic(), record.value());
      if (event == null) {
        throw new SerializationException("null value (tombstone) where an event is expected");
      }
    } catch (SerializationException e) {
      reject(record, origin, RejectReason.UNDECODABLE, e.getMessage());
      return;
    }
    Optional<Rejection> rejection = check.apply(event, key);
    if (rejection.isPresent()) {
      reject(record, origin, rejection.get().reason(), rejection.get().detail());
      return;
    }
    context().forward(record.withKey(key).withValue(Routed.ok(wrap.apply(event, origin))));
  }

  private void reject(
      Record<byte[], byte[]> record, Origin origin, RejectReason reason, String detail) {
    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    context()
        .forward(
            record
                .withKey(key)
                .withValue(
                    Routed.rejected(
                        DeadLetters.raw(
                            origin,
                            record.key(),
                            record.value(),
                            reason,
                            String.valueOf(detail),
                            record.timestamp()))));
  }
}
