package dev.feedloop.serving.events;

import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.kafka.TopicKeys;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.serving.ServingSettings;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the replica's events to Kafka as Avro, keyed by {@link TopicKeys}: generations without
 * holding up the chat answer, feedback only as far as Kafka's acknowledgement.
 */
@Singleton
public final class EventLog {

  private static final Logger LOG = LoggerFactory.getLogger(EventLog.class);

  private final KafkaProducer<String, byte[]> producer;
  private final TopicNames topics;
  private final EventSerde<GenerationLogged> generations = EventSerde.of(GenerationLogged.class);
  private final EventSerde<FeedbackReceived> feedback = EventSerde.of(FeedbackReceived.class);
  private final AtomicLong lostGenerations = new AtomicLong();

  /** Generations that may wait for Kafka before new ones are dropped. */
  static final int PENDING_GENERATIONS = 10_000;

  private final ExecutorService sender =
      new ThreadPoolExecutor(
          1,
          1,
          0,
          TimeUnit.MILLISECONDS,
          new ArrayBlockingQueue<>(PENDING_GENERATIONS),
          runnable -> {
            Thread thread = new Thread(runnable, "generation-log-sender");
            thread.setDaemon(true);
            return thread;
          },
          new ThreadPoolExecutor.AbortPolicy());

  public EventLog(
      KafkaProducer<String, byte[]> producer, ServingSettings settings, MeterRegistry meters) {
    this.producer = producer;
    this.topics = settings.topics();
    Gauge.builder("feedloop.generations.unlogged", lostGenerations, AtomicLong::get)
        .description(
            "generations dropped or refused by Kafka: answered, but missing from the topic")
        .register(meters);
  }

  /**
   * Sends a generation without holding up the answer: a sender thread hands it to the producer,
   * which retries (idempotently) within its buffer. While Kafka is unreachable the producer blocks
   * that thread, not the request; generations then wait in a queue of {@link #PENDING_GENERATIONS}
   * and beyond it are dropped. Dropped and finally refused generations are logged and counted in
   * the {@code feedloop.generations.unlogged} gauge.
   */
  public void logGeneration(GenerationLogged generation) {
    try {
      sender.execute(() -> send(generation));
    } catch (RejectedExecutionException full) {
      lostGenerations.incrementAndGet();
      LOG.error(
          "Generation {} was dropped: {} generations already wait for Kafka",
          generation.getGenerationId(),
          PENDING_GENERATIONS);
    }
  }

  private void send(GenerationLogged generation) {
    String topic = topics.generations();
    try {
      sendNow(topic, generation);
    } catch (KafkaException | IllegalStateException refused) {
      lost(generation, topic, refused);
    }
  }

  private void lost(GenerationLogged generation, String topic, Exception error) {
    lostGenerations.incrementAndGet();
    LOG.error(
        "Generation {} was not logged to {}: {}",
        generation.getGenerationId(),
        topic,
        error.toString());
  }

  private void sendNow(String topic, GenerationLogged generation) {
    producer.send(
        new ProducerRecord<>(
            topic,
            null,
            generation.getCreatedAt().toEpochMilli(),
            TopicKeys.of(generation),
            generations.serialize(topic, generation)),
        (metadata, error) -> {
          if (error != null) {
            lost(generation, topic, error);
          }
        });
  }

  /**
   * Sends feedback and returns only once Kafka acknowledged it (acks=all).
   *
   * @throws EventNotAcknowledgedException when Kafka refused it or did not answer within {@code
   *     timeout}
   */
  public void logFeedbackDurably(FeedbackReceived event, Duration timeout)
      throws EventNotAcknowledgedException {
    String topic = topics.feedback();
    try {
      producer
          .send(
              new ProducerRecord<>(
                  topic,
                  null,
                  event.getReceivedAt().toEpochMilli(),
                  TopicKeys.of(event),
                  feedback.serialize(topic, event)))
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EventNotAcknowledgedException("interrupted while waiting for Kafka", e);
    } catch (ExecutionException e) {
      throw new EventNotAcknowledgedException("Kafka refused the event: " + e.getCause(), e);
    } catch (TimeoutException e) {
      throw new EventNotAcknowledgedException("Kafka did not acknowledge within " + timeout, e);
    } catch (KafkaException | IllegalStateException e) {
      throw new EventNotAcknowledgedException("Kafka refused the event: " + e, e);
    }
  }

  /** Lets queued generations reach the producer before it closes. */
  @PreDestroy
  void drain() throws InterruptedException {
    sender.shutdown();
    sender.awaitTermination(5, TimeUnit.SECONDS);
  }
}
