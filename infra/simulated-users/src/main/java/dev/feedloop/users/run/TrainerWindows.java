package dev.feedloop.users.run;

import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.TrainerMetrics;
import dev.feedloop.schemas.kafka.KafkaClientSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The online trainer's windows since a run began, read from the trainer-metrics topic as they are
 * committed (read_committed, no consumer group: reading leaves no trace on the cluster).
 */
final class TrainerWindows implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TrainerWindows.class);
  private static final EventSerde<TrainerMetrics> SERDE = EventSerde.of(TrainerMetrics.class);

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String topic;
  private final String modelId;
  private final Instant since;
  private final List<TrainerMetrics> windows = new CopyOnWriteArrayList<>();
  private final Thread thread;
  private volatile boolean closed;

  /**
   * @param modelId only this model's windows (null: every model's)
   * @param since windows reported at or after this instant
   */
  TrainerWindows(KafkaClientSettings kafka, String topic, String modelId, Instant since) {
    Map<String, Object> config = new HashMap<>(kafka.clientConfig());
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    this.consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.topic = topic;
    this.modelId = modelId;
    this.since = since;
    this.thread = new Thread(this::follow, "feedloop-trainer-windows");
    thread.setDaemon(true);
  }

  TrainerWindows start() {
    thread.start();
    return this;
  }

  /** The windows seen so far, in the order they were committed per partition. */
  List<TrainerMetrics> windows() {
    return List.copyOf(windows);
  }

  private void follow() {
    try {
      List<TopicPartition> partitions = new ArrayList<>();
      while (partitions.isEmpty() && !closed) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
        if (infos != null) {
          infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
        }
      }
      consumer.assign(partitions);
      Map<TopicPartition, Long> at = new HashMap<>();
      partitions.forEach(partition -> at.put(partition, since.toEpochMilli()));
      // the ends first: a window committed between the two lookups is then at or after its end
      // offset (seekToEnd would be evaluated later, past it)
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(at);
      for (TopicPartition partition : partitions) {
        OffsetAndTimestamp offset = offsets.get(partition);
        consumer.seek(partition, offset == null ? ends.get(partition) : offset.offset());
      }
      while (!closed) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          TrainerMetrics metrics;
          try {
            metrics = SERDE.deserialize(topic, record.value());
          } catch (RuntimeException e) {
            LOG.warn("skipping an undecodable trainer-metrics record: {}", e.getMessage());
            continue;
          }
          if (metrics.getOutcome() != null
              && (modelId == null || Objects.equals(modelId, metrics.getModelId()))) {
            windows.add(metrics);
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      if (!closed) {
        LOG.warn("stopped following {}: {}", topic, e.toString());
      }
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  @Override
  public void close() throws InterruptedException {
    closed = true;
    consumer.wakeup();
    thread.join(10_000);
  }
}
