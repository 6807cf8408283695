package dev.feedloop.serving.feedback;

import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.PromptHash;
import dev.feedloop.serving.ServingSettings;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills the {@link GenerationIndex} with every replica's generations of this model, read from the
 * generations topic, so that feedback may reach any replica behind a load balancer: a generation
 * answered by one replica is known to the others a few milliseconds later. It starts {@code
 * lookback} before the replica's start, so a replica that restarts still accepts feedback on
 * answers given shortly before.
 */
@Context
public final class GenerationFollower {

  private static final Logger LOG = LoggerFactory.getLogger(GenerationFollower.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration TOPIC_RETRY = Duration.ofSeconds(1);

  private final ServingSettings settings;
  private final GenerationIndex index;
  private final Duration lookback;
  private final EventSerde<GenerationLogged> serde = EventSerde.of(GenerationLogged.class);
  private final KafkaConsumer<String, byte[]> consumer;
  private final Thread thread;
  private volatile boolean running = true;

  public GenerationFollower(
      ServingSettings settings,
      GenerationIndex index,
      @Value("${feedloop.serving.feedback.generations-lookback:1h}") Duration lookback) {
    this.settings = settings;
    this.index = index;
    this.lookback = lookback;
    Map<String, Object> config = settings.kafka().clientConfig();
    // no group: every replica reads every generation, and none commits offsets
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(
        ConsumerConfig.CLIENT_ID_CONFIG, "feedloop-serving-generations-" + settings.modelId());
    this.consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    this.thread = new Thread(this::follow, "generation-follower");
    thread.setDaemon(true);
    thread.start();
  }

  private void follow() {
    try {
      List<TopicPartition> partitions = assignFromLookback();
      LOG.info(
          "Following {} ({} partitions) from {} ago for feedback on any replica's generations",
          settings.topics().generations(),
          partitions.size(),
          lookback);
      while (running) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
          take(record);
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      if (running) {
        LOG.error("Stopped following the generations topic: {}", e.toString(), e);
      }
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private List<TopicPartition> assignFromLookback() {
    String topic = settings.topics().generations();
    List<TopicPartition> partitions = List.of();
    // the topic may not exist yet (a replica started before the loop's topics were created)
    while (running && partitions.isEmpty()) {
      partitions =
          consumer.partitionsFor(topic, Duration.ofDays(1)).stream()
              .map(info -> new TopicPartition(topic, info.partition()))
              .toList();
      if (partitions.isEmpty()) {
        pause(TOPIC_RETRY);
      }
    }
    consumer.assign(partitions);
    long since = System.currentTimeMillis() - lookback.toMillis();
    Map<TopicPartition, Long> times = new HashMap<>();
    partitions.forEach(partition -> times.put(partition, since));
    // the ends first: a record written between the two lookups is then at or after its end
    // offset, so a partition with nothing in the lookback still starts before it
    Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
    Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(times);
    for (TopicPartition partition : partitions) {
      OffsetAndTimestamp start = starts.get(partition);
      consumer.seek(partition, start != null ? start.offset() : ends.get(partition));
    }
    return partitions;
  }

  private void take(ConsumerRecord<String, byte[]> record) {
    if (record.value() == null) {
      return;
    }
    try {
      GenerationLogged generation = serde.deserialize(record.topic(), record.value());
      if (generation.getModelId().equals(settings.modelId())) {
        index.remember(
            new GenerationIndex.RecentGeneration(
                generation.getGenerationId(),
                PromptHash.of(generation.getPrompt()),
                generation.getUserId()));
      }
    } catch (SerializationException e) {
      LOG.warn(
          "Skipping an unreadable generation at {}-{} offset {}: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          e.getMessage());
    }
  }

  private static void pause(Duration pause) {
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @PreDestroy
  void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.join(Duration.ofSeconds(10).toMillis());
  }
}
