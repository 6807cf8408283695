package dev.feedloop.schemas.adapters;

import dev.feedloop.schemas.AdapterChunk;
import dev.feedloop.schemas.AdapterPublished;
import dev.feedloop.schemas.AdapterWeights;
import dev.feedloop.schemas.ContentHash;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.kafka.TopicKeys;
import dev.feedloop.schemas.kafka.TopicNames;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;

/**
 * Publishes an adapter through a caller's producer: its safetensors bytes as chunks on the
 * adapter-weights topic (one partition per model, {@link AdapterChunks#partitionFor}), then the
 * announcement on the adapters topic listing the chunks' offsets and the bytes' checksum.
 *
 * <p>The producer may be transactional: the trainer begins a transaction, calls {@link #publish},
 * adds its consumed offsets and commits, so chunks, announcement and offsets become visible to
 * read_committed readers together or not at all. The chunks' offsets are known before the commit
 * (from the send acknowledgements), which is why the announcement is sent after them.
 */
public final class AdapterPublisher {

  private final TopicNames topics;
  private final int chunkBytes;
  private final EventSerde<AdapterChunk> chunkSerde = EventSerde.of(AdapterChunk.class);
  private final EventSerde<AdapterPublished> announcementSerde =
      EventSerde.of(AdapterPublished.class);

  /**
   * @param chunkBytes the largest chunk, {@link AdapterChunks#DEFAULT_CHUNK_BYTES} unless the
   *     cluster allows larger messages
   */
  public AdapterPublisher(TopicNames topics, int chunkBytes) {
    if (chunkBytes < 1) {
      throw new IllegalArgumentException("chunk size must be positive, got " + chunkBytes);
    }
    this.topics = topics;
    this.chunkBytes = chunkBytes;
  }

  public AdapterPublisher(TopicNames topics) {
    this(topics, AdapterChunks.DEFAULT_CHUNK_BYTES);
  }

  /**
   * What was sent: the announcement as published (with weights and checksum) and the send of the
   * announcement, which a non-transactional caller may wait for.
   */
  public record Published(AdapterPublished announcement, Future<RecordMetadata> sent) {}

  /** The chunk records of {@code safetensors} for the given partition, in order. */
  public List<ProducerRecord<String, byte[]>> chunkRecords(
      AdapterPublished announcement, byte[] safetensors, int partition) {
    String topic = topics.adapterWeights();
    long timestamp = announcement.getCreatedAt().toEpochMilli();
    List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
    for (AdapterChunk chunk :
        AdapterChunks.split(
            announcement.getModelId(), announcement.getVersion(), safetensors, chunkBytes)) {
      records.add(
          new ProducerRecord<>(
              topic,
              partition,
              timestamp,
              TopicKeys.of(chunk),
              chunkSerde.serialize(topic, chunk)));
    }
    return records;
  }

  /**
   * Sends the chunks, waits for their offsets, then sends the announcement (its {@code checksum}
   * and {@code weights} filled in). Inside a transaction nothing becomes visible before the
   * caller's commit.
   *
   * @param announcement the announcement without weights; it must name its base model
   * @throws KafkaException when a send fails (a transactional caller aborts)
   */
  public Published publish(
      Producer<String, byte[]> producer, AdapterPublished announcement, byte[] safetensors) {
    if (announcement.getBaseModel() == null || announcement.getBaseModel().isBlank()) {
      throw new IllegalArgumentException(
          "announcement of version "
              + announcement.getVersion()
              + " names no base model (LanguageModel.baseModelFingerprint())");
    }
    String weightsTopic = topics.adapterWeights();
    int partition =
        AdapterChunks.partitionFor(
            announcement.getModelId(), producer.partitionsFor(weightsTopic).size());
    List<Future<RecordMetadata>> sends = new ArrayList<>();
    for (ProducerRecord<String, byte[]> record :
        chunkRecords(announcement, safetensors, partition)) {
      sends.add(producer.send(record));
    }
    producer.flush();
    List<Long> offsets = new ArrayList<>(sends.size());
    for (Future<RecordMetadata> send : sends) {
      offsets.add(acknowledged(send).offset());
    }
    AdapterPublished published =
        AdapterPublished.newBuilder(announcement)
            .setChecksum(ContentHash.of(safetensors))
            .setWeights(
                AdapterWeights.newBuilder()
                    .setTopic(weightsTopic)
                    .setPartition(partition)
                    .setChunkOffsets(offsets)
                    .setChunkCount(offsets.size())
                    .setSizeBytes(safetensors.length)
                    .build())
            .build();
    String topic = topics.adapters();
    Future<RecordMetadata> sent =
        producer.send(
            new ProducerRecord<>(
                topic,
                null,
                published.getCreatedAt().toEpochMilli(),
                TopicKeys.of(published),
                announcementSerde.serialize(topic, published)));
    return new Published(published, sent);
  }

  private static RecordMetadata acknowledged(Future<RecordMetadata> send) {
    try {
      return send.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("interrupted while publishing adapter chunks", e);
    } catch (ExecutionException e) {
      throw new KafkaException("an adapter chunk was not written: " + e.getCause(), e.getCause());
    }
  }
}
