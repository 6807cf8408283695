package dev.feedloop.serving.console;

import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.schemas.DeadLetter;
import dev.feedloop.schemas.EvaluationCompleted;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.FeedbackKind;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.TrainerMetrics;
import dev.feedloop.schemas.kafka.TopicKeys;
import dev.feedloop.schemas.kafka.TopicNames;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes what the evaluator, the trainer, serving and feedback-streams write to the topics the
 * console reads, keyed as they key them, each send acknowledged before it returns.
 */
final class LoopEvents implements AutoCloseable {

  static final String MODEL = "tiny-chat";
  static final String RUN = "console-run";

  private final TopicNames topics;
  private final KafkaProducer<String, byte[]> producer;

  LoopEvents(TopicNames topics) {
    this.topics = topics;
    Map<String, Object> config = SharedKafkaBroker.settings().clientConfig();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
  }

  /** An evaluation of {@code version} (null: the base model) completed now. */
  EvaluationCompleted evaluation(long sequence, Long version, double satisfaction) {
    Instant now = Instant.now();
    EvaluationCompleted evaluation =
        EvaluationCompleted.newBuilder()
            .setModelId(MODEL)
            .setRunId(RUN)
            .setSequence(sequence)
            .setAdapterVersion(version)
            .setPreference("athene,polite")
            .setPrompts(40)
            .setTemperature(1.0)
            .setTopP(1.0)
            .setSatisfaction(satisfaction)
            .setWellFormed(0.9)
            .setStyle(satisfaction + 0.05)
            .setGreedySatisfaction(satisfaction + 0.1)
            .setStartedAt(now.minusSeconds(2))
            .setCompletedAt(now)
            .build();
    send(topics.evaluations(), TopicKeys.of(evaluation), evaluation);
    return evaluation;
  }

  /** One online window; {@code reason} null for an accepted one. */
  TrainerMetrics window(
      long window, int records, String outcome, Long version, String reason, double freshnessMs) {
    TrainerMetrics metrics =
        TrainerMetrics.newBuilder()
            .setModelId(MODEL)
            .setRunId(RUN)
            .setStep(window * 2)
            .setWindow(window)
            .setAdapterVersion(version)
            .setRecords(records)
            .setOutcome(outcome)
            .setReason(reason)
            .setReasonDetail(reason == null ? "" : "held-out accuracy 0.41 < 0.50 - 0.05")
            .setMetrics(
                Map.of(
                    "freshness_ms", freshnessMs,
                    "time/consume_ms", 900.0,
                    "time/train_ms", 300.0,
                    "time/evaluate_ms", 40.0,
                    "time/publish_ms", 20.0,
                    "loss", 0.69))
            .setCreatedAt(Instant.now())
            .build();
    send(topics.trainerMetrics(), TopicKeys.of(metrics), metrics);
    return metrics;
  }

  FeedbackReceived feedback(FeedbackKind kind) {
    FeedbackReceived feedback =
        FeedbackReceived.newBuilder()
            .setFeedbackId(UUID.randomUUID().toString())
            .setGenerationId(UUID.randomUUID().toString())
            .setUserId("user-1")
            .setKind(kind)
            .setReceivedAt(Instant.now())
            .build();
    send(topics.feedback(), TopicKeys.of(feedback), feedback);
    return feedback;
  }

  DeadLetter deadLetter(String reason) {
    DeadLetter letter =
        DeadLetter.newBuilder()
            .setSourceTopic(topics.feedback())
            .setReason(reason)
            .setDetail("the " + reason + " check refused it")
            .setCreatedAt(Instant.now())
            .build();
    send(topics.deadLetter(), "dead", letter);
    return letter;
  }

  /** A record that is no Avro event: the console must skip it and go on. */
  void garbage(String topic) {
    sendBytes(topic, "garbage", "not avro".getBytes(StandardCharsets.UTF_8));
  }

  @SuppressWarnings("unchecked")
  private <T extends SpecificRecord> void send(String topic, String key, T event) {
    EventSerde<T> serde = EventSerde.of((Class<T>) event.getClass());
    sendBytes(topic, key, serde.serialize(topic, event));
  }

  private void sendBytes(String topic, String key, byte[] value) {
    try {
      producer.send(new ProducerRecord<>(topic, key, value)).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  @Override
  public void close() {
    producer.close();
  }
}
