package dev.feedloop.streams.internal;

import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.UnaryFeedback;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serdes of the topology's intermediate values (repartition topics, changelogs). They nest the
 * public events in their own Avro single-object encoding, so the events keep their schema
 * evolution; the envelope around them starts with a format version byte.
 */
public final class InternalSerdes {

  private static final byte VERSION = 1;

  static final EventSerde<FeedbackReceived> FEEDBACK = EventSerde.of(FeedbackReceived.class);
  static final EventSerde<GenerationLogged> GENERATION = EventSerde.of(GenerationLogged.class);
  static final EventSerde<PreferencePair> PAIR = EventSerde.of(PreferencePair.class);
  static final EventSerde<UnaryFeedback> UNARY = EventSerde.of(UnaryFeedback.class);

  private InternalSerdes() {}

  public static Serde<SourcedFeedback> sourcedFeedback() {
    return serde(
        (out, value) -> {
          writeEvent(out, FEEDBACK, value.feedback());
          writeOrigin(out, value.origin());
        },
        in -> new SourcedFeedback(readEvent(in, FEEDBACK), readOrigin(in)));
  }

  public static Serde<JoinedFeedback> joinedFeedback() {
    return serde(InternalSerdes::writeJoined, InternalSerdes::readJoined);
  }

  public static Serde<VoteState> voteState() {
    return serde(
        (out, value) -> {
          writeJoined(out, value.latest());
          out.writeLong(value.settlesAt());
          out.writeLong(value.forgetAt());
          out.writeBoolean(value.settled());
        },
        in -> new VoteState(readJoined(in), in.readLong(), in.readLong(), in.readBoolean()));
  }

  public static Serde<Candidate> candidate() {
    return serde(
        (out, value) -> {
          writeEvent(out, PAIR, value.pair());
          writeEvent(out, UNARY, value.unary());
          writeEvent(out, FEEDBACK, value.trigger());
          writeOrigin(out, value.origin());
        },
        in ->
            new Candidate(
                readEvent(in, PAIR),
                readEvent(in, UNARY),
                readEvent(in, FEEDBACK),
                readOrigin(in)));
  }

  private static void writeJoined(DataOutputStream out, JoinedFeedback value) throws IOException {
    writeEvent(out, FEEDBACK, value.feedback());
    writeOrigin(out, value.origin());
    writeEvent(out, GENERATION, value.generation());
    writeEvent(out, GENERATION, value.other());
  }

  private static JoinedFeedback readJoined(DataInputStream in) throws IOException {
    return new JoinedFeedback(
        readEvent(in, FEEDBACK),
        readOrigin(in),
        readEvent(in, GENERATION),
        readEvent(in, GENERATION));
  }

  private static void writeOrigin(DataOutputStream out, Origin origin) throws IOException {
    out.writeUTF(origin.topic());
    out.writeInt(origin.partition());
    out.writeLong(origin.offset());
  }

  private static Origin readOrigin(DataInputStream in) throws IOException {
    return new Origin(in.readUTF(), in.readInt(), in.readLong());
  }

  private static <T extends SpecificRecord> void writeEvent(
      DataOutputStream out, EventSerde<T> serde, T event) throws IOException {
    if (event == null) {
      out.writeInt(-1);
      return;
    }
    byte[] bytes = serde.serialize(null, event);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static <T extends SpecificRecord> T readEvent(DataInputStream in, EventSerde<T> serde)
      throws IOException {
    int length = in.readInt();
    if (length < 0) {
      return null;
    }
    return serde.deserialize(null, in.readNBytes(length));
  }

  @FunctionalInterface
  interface Writer<T> {
    void write(DataOutputStream out, T value) throws IOException;
  }

  @FunctionalInterface
  interface Reader<T> {
    T read(DataInputStream in) throws IOException;
  }

  private static <T> Serde<T> serde(Writer<T> writer, Reader<T> reader) {
    Serializer<T> serializer =
        (topic, value) -> {
          if (value == null) {
            return null;
          }
          ByteArrayOutputStream buffer = new ByteArrayOutputStream(512);
          try (DataOutputStream out = new DataOutputStream(buffer)) {
            out.writeByte(VERSION);
            writer.write(out, value);
          } catch (IOException e) {
            throw new SerializationException(
                "Cannot encode " + value.getClass().getSimpleName() + " for " + topic, e);
          }
          return buffer.toByteArray();
        };
    Deserializer<T> deserializer =
        (topic, bytes) -> {
          if (bytes == null) {
            return null;
          }
          try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte version = in.readByte();
            if (version != VERSION) {
              throw new SerializationException(
                  "Unknown internal format version " + version + " in " + topic);
            }
            return reader.read(in);
          } catch (IOException e) {
            throw new SerializationException("Cannot decode internal record from " + topic, e);
          }
        };
    return Serdes.serdeFrom(serializer, deserializer);
  }
}
