package dev.feedloop.trainer.publish;

import dev.feedloop.schemas.DeadLetter;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.UnaryFeedback;
import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.schemas.kafka.TopicBootstrap;
import dev.feedloop.schemas.kafka.TopicKeys;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.schemas.kafka.TopicSpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Sends imported events to the loop's topics as Avro, each keyed by its topic's rule ({@link
 * TopicKeys}) and stamped with its own event time, through an idempotent producer with acks=all: a
 * retried send is never written twice, and {@link #awaitAcknowledged} returns only when the cluster
 * has every event. Missing topics are created from the catalog first, so an import can seed a new
 * cluster.
 */
public final class EventPublisher implements AutoCloseable {

  /** How long the whole import may wait for the cluster's acknowledgements. */
  private static final Duration ACKNOWLEDGE_TIMEOUT = Duration.ofMinutes(2);

  private static final EventSerde<GenerationLogged> GENERATIONS =
      EventSerde.of(GenerationLogged.class);
  private static final EventSerde<FeedbackReceived> FEEDBACK =
      EventSerde.of(FeedbackReceived.class);
  private static final EventSerde<PreferencePair> PAIRS = EventSerde.of(PreferencePair.class);
  private static final EventSerde<UnaryFeedback> UNARY = EventSerde.of(UnaryFeedback.class);
  private static final EventSerde<DeadLetter> DEAD_LETTERS = EventSerde.of(DeadLetter.class);

  private final KafkaProducer<byte[], byte[]> producer;
  private final TopicNames topics;
  private final List<Future<RecordMetadata>> pending = new ArrayList<>();
  private final Map<String, Long> sent = new LinkedHashMap<>();

  private EventPublisher(KafkaProducer<byte[], byte[]> producer, TopicNames topics) {
    this.producer = producer;
    this.topics = topics;
  }

  /** Connects, creating the loop's topics that do not exist yet. */
  public static EventPublisher open(KafkaClientSettings kafka, TopicNames topics) {
    try (Admin admin = Admin.create(kafka.clientConfig())) {
      TopicBootstrap.ensureTopics(admin, TopicSpec.catalog(topics));
    }
    Map<String, Object> config = kafka.clientConfig();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "feedloop-trainer-publish");
    config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    return new EventPublisher(
        new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer()), topics);
  }

  public TopicNames topics() {
    return topics;
  }

  public void send(GenerationLogged generation) {
    String topic = topics.generations();
    send(
        topic,
        utf8(TopicKeys.of(generation)),
        GENERATIONS.serialize(topic, generation),
        generation.getCreatedAt());
  }

  public void send(FeedbackReceived feedback) {
    String topic = topics.feedback();
    send(
        topic,
        utf8(TopicKeys.of(feedback)),
        FEEDBACK.serialize(topic, feedback),
        feedback.getReceivedAt());
  }

  public void send(PreferencePair pair) {
    String topic = topics.preferencePairs();
    send(topic, utf8(TopicKeys.of(pair)), PAIRS.serialize(topic, pair), pair.getCreatedAt());
  }

  public void send(UnaryFeedback unary) {
    String topic = topics.unaryFeedback();
    send(topic, utf8(TopicKeys.of(unary)), UNARY.serialize(topic, unary), unary.getCreatedAt());
  }

  /** Dead letters keep the key bytes of the record they are about, as feedback-streams does. */
  public void send(DeadLetter deadLetter) {
    String topic = topics.deadLetter();
    ByteBuffer key = deadLetter.getOriginalKey();
    send(
        topic,
        key == null ? null : bytes(key),
        DEAD_LETTERS.serialize(topic, deadLetter),
        deadLetter.getCreatedAt());
  }

  private void send(String topic, byte[] key, byte[] value, Instant at) {
    pending.add(producer.send(new ProducerRecord<>(topic, null, at.toEpochMilli(), key, value)));
    sent.merge(topic, 1L, Long::sum);
  }

  /**
   * Waits until the cluster acknowledged everything sent.
   *
   * @return the number of events per topic
   * @throws PublishException naming how many events were not acknowledged and the first cause
   */
  public Map<String, Long> awaitAcknowledged() {
    producer.flush();
    long deadline = System.nanoTime() + ACKNOWLEDGE_TIMEOUT.toNanos();
    int failed = 0;
    Exception first = null;
    for (Future<RecordMetadata> future : pending) {
      try {
        future.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (ExecutionException | TimeoutException e) {
        failed++;
        first = first == null ? e : first;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new PublishException("interrupted while waiting for Kafka", e);
      }
    }
    if (failed > 0) {
      Throwable cause = first instanceof ExecutionException ? first.getCause() : first;
      throw new PublishException(
          failed + " of " + pending.size() + " events were not acknowledged by Kafka: " + cause,
          cause);
    }
    pending.clear();
    return Map.copyOf(sent);
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(30));
  }

  private static byte[] utf8(String key) {
    return key.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer copy = buffer.duplicate();
    byte[] bytes = new byte[copy.remaining()];
    copy.get(bytes);
    return bytes;
  }

  /** The cluster did not take every event. */
  public static final class PublishException extends RuntimeException {
    PublishException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
