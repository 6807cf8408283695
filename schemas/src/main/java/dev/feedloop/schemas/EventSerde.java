package dev.feedloop.schemas;

import java.nio.ByteBuffer;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for one event type in Avro single-object encoding (magic 0xC3 0x01, the writer
 * schema's 64-bit fingerprint, then the binary body). The reader resolves the writer's schema
 * through a {@link SchemaStore}, so bytes from older producers decode into the current classes with
 * defaults for added fields.
 *
 * <p>A null value stays null (tombstones on compacted topics); any other bytes either decode or
 * raise a {@link SerializationException} naming the type and the cause.
 */
public final class EventSerde<T extends SpecificRecord>
    implements Serde<T>, Serializer<T>, Deserializer<T> {

  static {
    AvroTrust.install();
  }

  private final Class<T> eventType;
  private final BinaryMessageEncoder<T> encoder;
  private final BinaryMessageDecoder<T> decoder;

  public EventSerde(Class<T> eventType, SchemaStore writerSchemas) {
    this.eventType = Objects.requireNonNull(eventType, "eventType");
    Schema schema = EventSchemas.SPECIFIC_DATA.getSchema(eventType);
    this.encoder = new BinaryMessageEncoder<>(EventSchemas.SPECIFIC_DATA, schema);
    this.decoder = new BinaryMessageDecoder<>(EventSchemas.SPECIFIC_DATA, schema, writerSchemas);
  }

  /** A serde that knows the built-in schema history. */
  public static <T extends SpecificRecord> EventSerde<T> of(Class<T> eventType) {
    return new EventSerde<>(eventType, EventSchemaStore.builtIn());
  }

  public Class<T> eventType() {
    return eventType;
  }

  @Override
  public byte[] serialize(String topic, T event) {
    if (event == null) {
      return null;
    }
    try {
      ByteBuffer buffer = encoder.encode(event);
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      return bytes;
    } catch (Exception e) {
      throw new SerializationException(
          "Cannot encode " + eventType.getSimpleName() + " for topic " + topic + ": " + describe(e),
          e);
    }
  }

  @Override
  public T deserialize(String topic, byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    try {
      T event = decoder.decode(bytes);
      if (event == null) {
        throw new SerializationException("decoder produced no record");
      }
      return event;
    } catch (BadHeaderException e) {
      throw failure(topic, bytes, "not Avro single-object encoding (" + e.getMessage() + ")", e);
    } catch (MissingSchemaException e) {
      throw failure(topic, bytes, "unknown writer schema (" + e.getMessage() + ")", e);
    } catch (Exception | StackOverflowError | OutOfMemoryError e) {
      // Garbage after a valid header can claim absurd lengths; never let it take the JVM down.
      throw failure(topic, bytes, "corrupt body (" + describe(e) + ")", e);
    }
  }

  private SerializationException failure(
      String topic, byte[] bytes, String reason, Throwable cause) {
    return new SerializationException(
        "Cannot decode "
            + eventType.getSimpleName()
            + " from topic "
            + topic
            + " ("
            + bytes.length
            + " bytes): "
            + reason,
        cause);
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  @Override
  public Serializer<T> serializer() {
    return this;
  }

  @Override
  public Deserializer<T> deserializer() {
    return this;
  }

  @Override
  public void configure(java.util.Map<String, ?> configs, boolean isKey) {}

  @Override
  public void close() {}
}
