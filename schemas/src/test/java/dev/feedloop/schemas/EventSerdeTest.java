package dev.feedloop.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class EventSerdeTest {

  static Stream<SpecificRecord> everyEvent() {
    return SampleEvents.everyEvent().stream();
  }

  @ParameterizedTest
  @MethodSource("everyEvent")
  @SuppressWarnings({"unchecked", "rawtypes"})
  void everyEventRoundTripsThroughSingleObjectEncoding(SpecificRecord event) {
    EventSerde serde = EventSerde.of(event.getClass());

    byte[] bytes = serde.serialize("topic", event);

    assertThat(bytes[0]).isEqualTo((byte) 0xC3);
    assertThat(bytes[1]).isEqualTo((byte) 0x01);
    assertThat(serde.deserialize("topic", bytes)).isEqualTo(event);
  }

  @Test
  void sampleEventsCoverEveryEventType() {
    assertThat(SampleEvents.everyEvent())
        .extracting(Object::getClass)
        .containsExactlyInAnyOrderElementsOf(EventSchemas.EVENT_TYPES);
  }

  @Test
  void readerWithAnAddedFieldReadsBytesOfTheOlderWriterWithTheDefault() {
    // The older producer knew GenerationLogged without conversation_id and finish_reason.
    Schema current = EventSchemas.schemaOf(GenerationLogged.class);
    Schema older = withoutFields(current, "conversation_id", "finish_reason");
    byte[] oldBytes =
        writtenByOlderProducer(older, SampleEvents.generation("gen-old", "Hi?", "Hello."));
    EventSerde<GenerationLogged> reader =
        new EventSerde<>(GenerationLogged.class, new EventSchemaStore().add(current).add(older));

    GenerationLogged decoded = reader.deserialize("generations", oldBytes);

    assertThat(decoded.getConversationId()).isNull();
    assertThat(decoded.getFinishReason()).isEqualTo("stop");
    assertThat(decoded.getCompletion()).isEqualTo("Hello.");
    assertThat(decoded.getSampling().getStop()).containsExactly("<|im_end|>");
  }

  @Test
  void bytesOfAnUnknownWriterSchemaAreAClearError() {
    Schema older = withoutFields(EventSchemas.schemaOf(GenerationLogged.class), "conversation_id");
    byte[] oldBytes =
        writtenByOlderProducer(older, SampleEvents.generation("gen-old", "Hi?", "Hello."));

    assertThatThrownBy(
            () -> EventSerde.of(GenerationLogged.class).deserialize("generations", oldBytes))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("GenerationLogged")
        .hasMessageContaining("unknown writer schema");
  }

  @Test
  void garbageBytesAreASerializationExceptionNamingTypeAndTopic() {
    byte[] garbage = new byte[64];
    new Random(7).nextBytes(garbage);
    garbage[0] = 0x12;

    assertThatThrownBy(() -> EventSerde.of(FeedbackReceived.class).deserialize("feedback", garbage))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("FeedbackReceived")
        .hasMessageContaining("topic feedback")
        .hasMessageContaining("not Avro single-object encoding");
  }

  @Test
  void emptyAndTruncatedMessagesAreSerializationExceptions() {
    EventSerde<PreferencePair> serde = EventSerde.of(PreferencePair.class);
    byte[] valid = serde.serialize("pairs", SampleEvents.pair());

    for (int length : new int[] {0, 1, 2, 9, 10, valid.length / 2, valid.length - 1}) {
      byte[] truncated = Arrays.copyOf(valid, length);
      assertThatThrownBy(() -> serde.deserialize("pairs", truncated))
          .as("first %d of %d bytes", length, valid.length)
          .isInstanceOf(SerializationException.class)
          .hasMessageContaining("PreferencePair");
    }
  }

  @Test
  void validHeaderWithRandomBodyNeverCrashesOrReturnsNull() {
    EventSerde<GenerationLogged> serde = EventSerde.of(GenerationLogged.class);
    byte[] header = Arrays.copyOf(serde.serialize("g", SampleEvents.generation("g", "q", "a")), 10);
    Random random = new Random(11);
    for (int i = 0; i < 500; i++) {
      byte[] body = new byte[random.nextInt(200)];
      random.nextBytes(body);
      byte[] bytes = new byte[header.length + body.length];
      System.arraycopy(header, 0, bytes, 0, header.length);
      System.arraycopy(body, 0, bytes, header.length, body.length);
      try {
        GenerationLogged decoded = serde.deserialize("g", bytes);
        assertThat(decoded).isNotNull(); // random bodies can happen to be valid records
      } catch (SerializationException expected) {
        assertThat(expected).hasMessageContaining("GenerationLogged");
      }
    }
  }

  @Test
  void nullStaysNullForTombstones() {
    EventSerde<AdapterPublished> serde = EventSerde.of(AdapterPublished.class);
    assertThat(serde.serialize("adapters", null)).isNull();
    assertThat(serde.deserialize("adapters", null)).isNull();
  }

  /** The bytes a producer that knows only the older schema writes for the same event. */
  private static byte[] writtenByOlderProducer(Schema olderSchema, SpecificRecord event) {
    GenericRecord old = new GenericData.Record(olderSchema);
    for (Schema.Field field : olderSchema.getFields()) {
      old.put(field.name(), event.get(event.getSchema().getField(field.name()).pos()));
    }
    try {
      ByteBuffer buffer =
          new BinaryMessageEncoder<GenericRecord>(EventSchemas.SPECIFIC_DATA, olderSchema)
              .encode(old);
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      return bytes;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Schema withoutFields(Schema schema, String... removed) {
    SchemaBuilder.FieldAssembler<Schema> fields =
        SchemaBuilder.record(schema.getName()).namespace(schema.getNamespace()).fields();
    for (Schema.Field field : schema.getFields()) {
      if (!Arrays.asList(removed).contains(field.name())) {
        fields = fields.name(field.name()).type(field.schema()).noDefault();
      }
    }
    return fields.endRecord();
  }
}
