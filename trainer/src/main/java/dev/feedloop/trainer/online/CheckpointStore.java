package dev.feedloop.trainer.online;

import dev.feedloop.schemas.AdapterPublished;
import dev.feedloop.schemas.ContentHash;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.PartitionPosition;
import dev.feedloop.schemas.TrainerCheckpoint;
import dev.feedloop.schemas.TrainerState;
import dev.feedloop.schemas.TrainerStateChunk;
import dev.feedloop.schemas.adapters.AdapterChunks;
import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.schemas.kafka.TopicKeys;
import dev.feedloop.schemas.kafka.TopicNames;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The online trainer's checkpoints in Kafka: the state bytes ({@link TrainerState}, single-object
 * encoded) as {@link TrainerStateChunk}s on the trainer-state-chunks topic, then a {@link
 * TrainerCheckpoint} on the trainer-state topic listing their offsets and checksum. Written through
 * the window's transactional producer, so a checkpoint is visible exactly when its window's offsets
 * are; read back with read_committed at start.
 *
 * <p>Both topics are compacted: checkpoints keyed by model id (the newest one stays), chunks by
 * model id and index (the newest checkpoint's chunks replace the older ones index by index).
 */
final class CheckpointStore {
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

  private final KafkaClientSettings kafka;
  private final TopicNames topics;
  private final int chunkBytes;
  private final EventSerde<TrainerState> stateSerde = EventSerde.of(TrainerState.class);
  private final EventSerde<TrainerStateChunk> chunkSerde = EventSerde.of(TrainerStateChunk.class);
  private final EventSerde<TrainerCheckpoint> checkpointSerde =
      EventSerde.of(TrainerCheckpoint.class);

  CheckpointStore(KafkaClientSettings kafka, TopicNames topics, int chunkBytes) {
    this.kafka = kafka;
    this.topics = topics;
    this.chunkBytes = chunkBytes;
  }

  /** A checkpoint read back: its header and its state. */
  record Restored(TrainerCheckpoint checkpoint, TrainerState state) {}

  /**
   * Sends the snapshot's chunks, waits for their offsets, then sends the checkpoint; inside the
   * caller's transaction nothing is visible before its commit.
   */
  TrainerCheckpoint write(
      Producer<String, byte[]> producer,
      String modelId,
      String runId,
      TrainerSnapshot snapshot,
      TrainerState state,
      Instant at) {
    String chunkTopic = topics.trainerStateChunks();
    byte[] bytes = stateSerde.serialize(chunkTopic, state);
    int partition = AdapterChunks.partitionFor(modelId, producer.partitionsFor(chunkTopic).size());
    int count = Math.max(1, (bytes.length + chunkBytes - 1) / chunkBytes);
    List<Future<RecordMetadata>> sends = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] data =
          Arrays.copyOfRange(bytes, i * chunkBytes, Math.min(bytes.length, (i + 1) * chunkBytes));
      TrainerStateChunk chunk =
          TrainerStateChunk.newBuilder()
              .setModelId(modelId)
              .setWindow(snapshot.windows())
              .setIndex(i)
              .setCount(count)
              .setData(ByteBuffer.wrap(data))
              .setChecksum(ContentHash.of(data))
              .build();
      sends.add(
          producer.send(
              new ProducerRecord<>(
                  chunkTopic,
                  partition,
                  at.toEpochMilli(),
                  TopicKeys.of(chunk),
                  chunkSerde.serialize(chunkTopic, chunk))));
    }
    producer.flush();
    List<Long> offsets = new ArrayList<>();
    for (Future<RecordMetadata> send : sends) {
      offsets.add(acknowledged(send).offset());
    }
    List<PartitionPosition> positions = new ArrayList<>();
    snapshot.positions().entrySet().stream()
        .sorted(
            Map.Entry.comparingByKey(
                java.util.Comparator.comparing(TopicPartition::topic)
                    .thenComparingInt(TopicPartition::partition)))
        .forEach(
            e ->
                positions.add(
                    PartitionPosition.newBuilder()
                        .setTopic(e.getKey().topic())
                        .setPartition(e.getKey().partition())
                        .setOffset(e.getValue())
                        .build()));
    TrainerCheckpoint checkpoint =
        TrainerCheckpoint.newBuilder()
            .setModelId(modelId)
            .setRunId(runId)
            .setWindow(snapshot.windows())
            .setLiveVersion(snapshot.liveVersion())
            .setNextVersion(snapshot.nextVersion())
            .setPositions(positions)
            .setStateTopic(chunkTopic)
            .setStatePartition(partition)
            .setChunkOffsets(offsets)
            .setSizeBytes(bytes.length)
            .setChecksum(ContentHash.of(bytes))
            .setCreatedAt(at)
            .build();
    String topic = topics.trainerState();
    producer.send(
        new ProducerRecord<>(
            topic,
            null,
            at.toEpochMilli(),
            TopicKeys.of(checkpoint),
            checkpointSerde.serialize(topic, checkpoint)));
    return checkpoint;
  }

  /** The newest committed checkpoint of {@code modelId} and its state, if there is one. */
  Optional<Restored> latest(String modelId) {
    TrainerCheckpoint[] newest = new TrainerCheckpoint[1];
    readAll(
        topics.trainerState(),
        record -> {
          if (record.key() != null && record.key().equals(modelId) && record.value() != null) {
            newest[0] = checkpointSerde.deserialize(record.topic(), record.value());
          }
        });
    if (newest[0] == null) {
      return Optional.empty();
    }
    TrainerCheckpoint checkpoint = newest[0];
    byte[] bytes = readState(checkpoint);
    return Optional.of(
        new Restored(checkpoint, stateSerde.deserialize(checkpoint.getStateTopic(), bytes)));
  }

  /**
   * The highest version announced for {@code modelId} on the adapters topic (0 for none): where
   * versions go on when no checkpoint exists, so that a version number is never reused.
   */
  long highestAnnouncedVersion(String modelId) {
    EventSerde<AdapterPublished> serde = EventSerde.of(AdapterPublished.class);
    long[] highest = {0};
    readAll(
        topics.adapters(),
        record -> {
          if (record.value() != null
              && record.key() != null
              && record.key().startsWith(modelId + "@")) {
            AdapterPublished announcement = serde.deserialize(record.topic(), record.value());
            if (announcement.getModelId().equals(modelId)) {
              highest[0] = Math.max(highest[0], announcement.getVersion());
            }
          }
        });
    return highest[0];
  }

  private byte[] readState(TrainerCheckpoint checkpoint) {
    TopicPartition partition =
        new TopicPartition(checkpoint.getStateTopic(), checkpoint.getStatePartition());
    Map<Long, TrainerStateChunk> found = new HashMap<>();
    List<Long> wanted = checkpoint.getChunkOffsets();
    try (KafkaConsumer<String, byte[]> consumer = consumer()) {
      consumer.assign(List.of(partition));
      for (long offset : wanted) {
        if (found.containsKey(offset)) {
          continue;
        }
        consumer.seek(partition, offset);
        long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
        while (!found.containsKey(offset)) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(
                "checkpoint of window "
                    + checkpoint.getWindow()
                    + " of "
                    + checkpoint.getModelId()
                    + ": no committed state chunk at "
                    + partition
                    + " offset "
                    + offset
                    + " within "
                    + READ_TIMEOUT.toSeconds()
                    + " s");
          }
          for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            if (wanted.contains(record.offset())) {
              found.put(record.offset(), chunkSerde.deserialize(record.topic(), record.value()));
            }
          }
        }
      }
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) checkpoint.getSizeBytes());
    for (int i = 0; i < wanted.size(); i++) {
      TrainerStateChunk chunk = found.get(wanted.get(i));
      byte[] data = new byte[chunk.getData().remaining()];
      chunk.getData().duplicate().get(data);
      if (chunk.getIndex() != i
          || chunk.getCount() != wanted.size()
          || !chunk.getModelId().equals(checkpoint.getModelId())
          || !ContentHash.of(data).equals(chunk.getChecksum())) {
        throw new IllegalStateException(
            "checkpoint of window "
                + checkpoint.getWindow()
                + " of "
                + checkpoint.getModelId()
                + ": state chunk "
                + i
                + " at offset "
                + wanted.get(i)
                + " is not the chunk it lists or fails its checksum");
      }
      bytes.writeBytes(data);
    }
    byte[] state = bytes.toByteArray();
    if (state.length != checkpoint.getSizeBytes()
        || !ContentHash.of(state).equals(checkpoint.getChecksum())) {
      throw new IllegalStateException(
          "checkpoint of window "
              + checkpoint.getWindow()
              + " of "
              + checkpoint.getModelId()
              + ": the state's "
              + state.length
              + " bytes do not match its size or checksum");
    }
    return state;
  }

  /** Every committed record of {@code topic}, from the beginning to the end seen at the start. */
  private void readAll(String topic, Consumer<ConsumerRecord<String, byte[]>> each) {
    try (KafkaConsumer<String, byte[]> consumer = consumer()) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic, READ_TIMEOUT).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, READ_TIMEOUT);
      long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
      while (partitions.stream().anyMatch(p -> consumer.position(p, READ_TIMEOUT) < end.get(p))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "could not read " + topic + " to its end within " + READ_TIMEOUT.toSeconds() + " s");
        }
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          each.accept(record);
        }
      }
    }
  }

  private KafkaConsumer<String, byte[]> consumer() {
    Map<String, Object> config = new LinkedHashMap<>(kafka.clientConfig());
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
  }

  private static RecordMetadata acknowledged(Future<RecordMetadata> send) {
    try {
      return send.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("interrupted while writing a checkpoint", e);
    } catch (ExecutionException e) {
      throw new KafkaException("a checkpoint chunk was not written: " + e.getCause(), e.getCause());
    }
  }
}
