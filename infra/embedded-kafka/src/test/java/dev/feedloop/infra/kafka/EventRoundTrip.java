package dev.feedloop.infra.kafka;

import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.kafka.KafkaClientSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Produces events with the Avro serde and reads topics back from the beginning, for broker tests.
 */
public final class EventRoundTrip {

  private EventRoundTrip() {}

  /** Sends with acks=all and idempotence, and waits for every acknowledgement. */
  public static <T extends SpecificRecord> void produce(
      KafkaClientSettings settings, String topic, Class<T> type, List<? extends T> events) {
    Map<String, Object> config = settings.clientConfig();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    try (KafkaProducer<String, T> producer =
        new KafkaProducer<>(config, new StringSerializer(), EventSerde.of(type))) {
      for (int i = 0; i < events.size(); i++) {
        producer.send(new ProducerRecord<>(topic, "key-" + i, events.get(i))).get();
      }
    } catch (Exception e) {
      throw new IllegalStateException("Producing to " + topic + " failed", e);
    }
  }

  /** Every record of the topic, read from the beginning until the end offsets seen at the start. */
  public static <T extends SpecificRecord> List<T> readAll(
      KafkaClientSettings settings, String topic, Class<T> type) {
    Map<String, Object> config = new HashMap<>(settings.clientConfig());
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<String, T> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), EventSerde.of(type))) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      List<T> events = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("Timed out reading " + topic);
        }
        for (ConsumerRecord<String, T> record : consumer.poll(Duration.ofMillis(200))) {
          events.add(record.value());
        }
      }
      return events;
    }
  }
}
