package dev.feedloop.streams;

import dev.feedloop.schemas.kafka.KafkaClientSettings;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** The clients the broker tests feed the app and read its output with. */
final class BrokerClients {

  private BrokerClients() {}

  /** Idempotent, acks=all: what serving would use to log events. */
  static KafkaProducer<byte[], byte[]> producer(KafkaClientSettings kafka) {
    Map<String, Object> config = kafka.clientConfig();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Reads every partition of the topic from its start, committed records only. */
  static KafkaConsumer<String, byte[]> readCommitted(KafkaClientSettings kafka, String topic) {
    Map<String, Object> config = kafka.clientConfig();
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partitions =
        consumer.partitionsFor(topic).stream()
            .map(info -> new TopicPartition(topic, info.partition()))
            .toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    return consumer;
  }

  /** An input record with a string key and its event time as the record timestamp. */
  static ProducerRecord<byte[], byte[]> record(
      String topic, String key, byte[] value, Instant eventTime) {
    return new ProducerRecord<>(
        topic, null, eventTime.toEpochMilli(), key.getBytes(StandardCharsets.UTF_8), value);
  }
}
