package dev.feedloop.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.schemas.EventSerde;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads the serving tests' events back from the shared broker. */
public final class TopicEvents {

  private TopicEvents() {}

  /** A consumer of every partition of {@code topic}, positioned at its start. */
  static KafkaConsumer<String, byte[]> fromStart(String topic) {
    KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(
            SharedKafkaBroker.settings().clientConfig(),
            new StringDeserializer(),
            new ByteArrayDeserializer());
    List<TopicPartition> partitions =
        consumer.partitionsFor(topic).stream()
            .map(info -> new TopicPartition(topic, info.partition()))
            .toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    return consumer;
  }

  /** The events keyed by each of {@code keys} (other tests write to the same topic), by key. */
  public static <T extends SpecificRecord> Map<String, T> readByKey(
      String topic, Class<T> type, java.util.Collection<String> keys, Duration wait) {
    Map<String, T> found = new HashMap<>();
    EventSerde<T> serde = EventSerde.of(type);
    try (KafkaConsumer<String, byte[]> consumer = fromStart(topic)) {
      long deadline = System.nanoTime() + wait.toNanos();
      while (!found.keySet().containsAll(keys) && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (keys.contains(record.key())) {
            found.put(record.key(), serde.deserialize(topic, record.value()));
          }
        }
      }
    }
    assertThat(found.keySet()).containsExactlyInAnyOrderElementsOf(keys);
    return found;
  }
}
