package dev.feedloop.serving.adapters;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.model.LanguageModel;
import dev.feedloop.model.ModelConfig;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.model.lora.LoraConfig;
import dev.feedloop.model.lora.LoraParameter;
import dev.feedloop.schemas.AdapterPublished;
import dev.feedloop.schemas.AdapterWeights;
import dev.feedloop.schemas.ContentHash;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.OffsetRange;
import dev.feedloop.schemas.adapters.AdapterChunks;
import dev.feedloop.schemas.adapters.AdapterPublisher;
import dev.feedloop.schemas.kafka.TopicKeys;
import dev.feedloop.schemas.kafka.TopicNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes adapters as the trainer will: chunks and announcement in one Kafka transaction, through
 * {@link AdapterPublisher}; or, for refusal tests, with a tampered announcement or a chunk left
 * out.
 */
public final class AdapterPublishing implements AutoCloseable {

  static final LoraConfig LORA = LoraConfig.of(4, 8, 0, List.of("q_proj", "v_proj"));

  /** Small chunks, so the tiny model's adapters (about 50 KB) travel in several. */
  static final int CHUNK_BYTES = 16 * 1024;

  private final TopicNames topics;
  private final String modelId;
  private final String baseModel;
  private final KafkaProducer<String, byte[]> producer;
  private final AdapterPublisher publisher;

  public AdapterPublishing(TopicNames topics, String modelId, String baseModel) {
    this.topics = topics;
    this.modelId = modelId;
    this.baseModel = baseModel;
    Map<String, Object> config = SharedKafkaBroker.settings().clientConfig();
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "test-trainer-" + UUID.randomUUID());
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    producer.initTransactions();
    publisher = new AdapterPublisher(topics, CHUNK_BYTES);
  }

  /** A LoRA adapter with non-zero B (it changes the outputs), edited by {@code edit}. */
  static byte[] adapterBytes(ModelConfig model, long seed, Consumer<List<LoraParameter>> edit) {
    try (NDManager manager = NDManager.newBaseManager();
        LoraAdapter adapter = LoraAdapter.create(model, LORA, manager, DataType.FLOAT32, seed)) {
      Random random = new Random(seed);
      for (LoraParameter p : adapter.parameters()) {
        if (p.name().endsWith("lora_B.weight")) {
          float[] values = new float[(int) p.array().size()];
          for (int i = 0; i < values.length; i++) {
            values[i] = (float) (0.5 * random.nextGaussian());
          }
          p.array().set(values);
        }
      }
      edit.accept(adapter.parameters());
      return adapter.toSafetensors();
    }
  }

  /** What a trainer knows of the shipped tiny model: its config and base model fingerprint. */
  public record BaseModel(ModelConfig config, String fingerprint) {}

  public static BaseModel tinyChat() {
    try (LanguageModel model = LanguageModel.load(Path.of("../models/tiny-chat"))) {
      return new BaseModel(model.model().config(), model.baseModelFingerprint());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static byte[] adapterBytes(ModelConfig model, long seed) {
    return adapterBytes(model, seed, parameters -> {});
  }

  AdapterPublished announcement(long version) {
    return AdapterPublished.newBuilder()
        .setModelId(modelId)
        .setVersion(version)
        .setParentVersion(version > 1 ? version - 1 : null)
        .setRunId("test-run")
        .setLora(LORA.toSettings())
        .setConsumed(
            List.of(new OffsetRange("preference-pairs", 0, version * 10, version * 10 + 10)))
        .setMetrics(Map.of("eval/rewards/accuracies", 0.5 + version / 100.0))
        .setChecksum("")
        .setLocation("")
        .setCreatedAt(Instant.now())
        .setBaseModel(baseModel)
        .build();
  }

  /** Publishes {@code safetensors} as {@code version} in one transaction, as the trainer will. */
  public AdapterPublished publish(long version, byte[] safetensors) {
    producer.beginTransaction();
    AdapterPublisher.Published published =
        publisher.publish(producer, announcement(version), safetensors);
    producer.commitTransaction();
    return published.announcement();
  }

  /**
   * Publishes in one transaction with the announcement changed by {@code tamper} and, when {@code
   * leaveOut} is not negative, that chunk not sent (its listed offset points past the partition's
   * end).
   */
  AdapterPublished publishBroken(
      long version, byte[] safetensors, UnaryOperator<AdapterPublished> tamper, int leaveOut) {
    AdapterPublished announcement = announcement(version);
    int partition =
        AdapterChunks.partitionFor(modelId, producer.partitionsFor(topics.adapterWeights()).size());
    producer.beginTransaction();
    List<Long> offsets = new ArrayList<>();
    List<ProducerRecord<String, byte[]>> chunks =
        publisher.chunkRecords(announcement, safetensors, partition);
    for (int i = 0; i < chunks.size(); i++) {
      if (i == leaveOut) {
        offsets.add(null);
        continue;
      }
      try {
        offsets.add(producer.send(chunks.get(i)).get().offset());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    long past = offsets.stream().filter(o -> o != null).mapToLong(o -> o).max().orElse(0) + 1_000;
    offsets.replaceAll(o -> o == null ? past : o);
    AdapterPublished published =
        tamper.apply(
            AdapterPublished.newBuilder(announcement)
                .setChecksum(ContentHash.of(safetensors))
                .setWeights(
                    AdapterWeights.newBuilder()
                        .setTopic(topics.adapterWeights())
                        .setPartition(partition)
                        .setChunkOffsets(offsets)
                        .setChunkCount(offsets.size())
                        .setSizeBytes(safetensors.length)
                        .build())
                .build());
    producer.send(
        new ProducerRecord<>(
            topics.adapters(),
            TopicKeys.of(published),
            EventSerde.of(AdapterPublished.class).serialize(topics.adapters(), published)));
    producer.commitTransaction();
    return published;
  }

  @Override
  public void close() {
    producer.close();
  }
}
