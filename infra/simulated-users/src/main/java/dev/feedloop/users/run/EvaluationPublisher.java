package dev.feedloop.users.run;

import dev.feedloop.schemas.EvaluationCompleted;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.schemas.kafka.TopicKeys;
import dev.feedloop.users.EvaluationResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes each measurement of the live model as {@link EvaluationCompleted} on the evaluations
 * topic (idempotent producer, waits for the acknowledgement): the learning curve every serving
 * replica's console draws.
 */
final class EvaluationPublisher implements AutoCloseable {
  private static final EventSerde<EvaluationCompleted> SERDE =
      EventSerde.of(EvaluationCompleted.class);

  private final KafkaProducer<byte[], byte[]> producer;
  private final String topic;
  private final String modelId;
  private final String runId;

  EvaluationPublisher(KafkaClientSettings kafka, String topic, String modelId, String runId) {
    Map<String, Object> config = new HashMap<>(kafka.clientConfig());
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
    this.producer =
        new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    this.topic = topic;
    this.modelId = modelId;
    this.runId = runId;
  }

  /** The record for one measurement (exposed for tests). */
  EvaluationCompleted toEvent(
      long sequence,
      EvaluationResult result,
      double temperature,
      double topP,
      Instant adapterLiveAt,
      Instant startedAt,
      Instant completedAt) {
    return EvaluationCompleted.newBuilder()
        .setModelId(modelId)
        .setRunId(runId)
        .setSequence(sequence)
        .setAdapterVersion(result.adapterVersion())
        .setPreference(result.preference())
        .setPrompts(result.prompts())
        .setFailures(result.failures())
        .setTemperature(temperature)
        .setTopP(topP)
        .setSatisfaction(result.satisfaction())
        .setWellFormed(result.sampled().wellFormed())
        .setStyle(result.sampledStyle())
        .setGreedySatisfaction(result.greedy() == null ? null : result.greedy().preferred())
        .setGreedyWellFormed(result.greedy() == null ? null : result.greedy().wellFormed())
        .setAdapterLiveAt(adapterLiveAt)
        .setStartedAt(startedAt)
        .setCompletedAt(completedAt)
        .build();
  }

  /** Sends and waits until Kafka acknowledged it. */
  void publish(EvaluationCompleted event) throws InterruptedException {
    try {
      producer
          .send(
              new ProducerRecord<>(
                  topic,
                  TopicKeys.of(event).getBytes(StandardCharsets.UTF_8),
                  SERDE.serialize(topic, event)))
          .get(60, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "the evaluation could not be published to " + topic + ": " + e, e);
    }
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(10));
  }
}
