package dev.feedloop.streams;

import dev.feedloop.schemas.DeadLetter;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.UnaryFeedback;
import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.schemas.rules.RecordLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/** The topology in a TopologyTestDriver, with typed and raw inputs and readers of every output. */
final class TopologyFixture implements AutoCloseable {

  /** Small windows and limits, so that each rule is easy to cross in a test. */
  static StreamsSettings settings(Path stateDirectory) {
    return StreamsSettings.builder("", stateDirectory)
        .applicationId("feedback-topology-test")
        .joinWindow(Duration.ofMinutes(10))
        .pairingWindow(Duration.ofMinutes(1))
        .grace(Duration.ofSeconds(10))
        .userCap(5)
        .userCapWindow(Duration.ofHours(1))
        .recordLimits(
            RecordLimits.builder()
                .similarityThreshold(0.9)
                .maxPromptChars(200)
                .maxCompletionChars(100)
                .build())
        .wallClockInterval(Duration.ofSeconds(1))
        .build();
  }

  final StreamsSettings settings;
  final FeedbackStreamsMetrics metrics = FeedbackStreamsMetrics.inMemory();
  final TopicNames topics = TopicNames.defaults();
  private final TopologyTestDriver driver;
  private final TestInputTopic<String, GenerationLogged> generations;
  private final TestInputTopic<String, FeedbackReceived> feedback;
  final TestInputTopic<byte[], byte[]> rawGenerations;
  final TestInputTopic<byte[], byte[]> rawFeedback;
  private final TestOutputTopic<String, PreferencePair> pairs;
  private final TestOutputTopic<String, UnaryFeedback> unary;
  private final TestOutputTopic<byte[], DeadLetter> deadLetters;
  private int ticks;

  TopologyFixture(StreamsSettings settings) {
    this.settings = settings;
    Properties properties = new Properties();
    properties.putAll(settings.streamsConfig(KafkaClientSettings.of("topology-test:9092"), 1));
    // the driver's wall clock stands still, so a task waiting for its other partitions would wait
    // forever; the driver feeds records one at a time in the order piped anyway
    properties.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, 0L);
    driver =
        new TopologyTestDriver(
            FeedbackTopology.build(topics, settings, metrics), properties, Events.T0);
    generations =
        driver.createInputTopic(
            topics.generations(), new StringSerializer(), EventSerde.of(GenerationLogged.class));
    feedback =
        driver.createInputTopic(
            topics.feedback(), new StringSerializer(), EventSerde.of(FeedbackReceived.class));
    rawGenerations =
        driver.createInputTopic(
            topics.generations(), new ByteArraySerializer(), new ByteArraySerializer());
    rawFeedback =
        driver.createInputTopic(
            topics.feedback(), new ByteArraySerializer(), new ByteArraySerializer());
    pairs =
        driver.createOutputTopic(
            topics.preferencePairs(),
            new StringDeserializer(),
            EventSerde.of(PreferencePair.class));
    unary =
        driver.createOutputTopic(
            topics.unaryFeedback(), new StringDeserializer(), EventSerde.of(UnaryFeedback.class));
    deadLetters =
        driver.createOutputTopic(
            topics.deadLetter(), new ByteArrayDeserializer(), EventSerde.of(DeadLetter.class));
  }

  void generation(GenerationLogged generation) {
    generations.pipeInput(generation.getGenerationId(), generation, generation.getCreatedAt());
  }

  void feedback(FeedbackReceived event) {
    feedback.pipeInput(event.getGenerationId(), event, event.getReceivedAt());
  }

  void feedbackWithKey(String key, FeedbackReceived event) {
    feedback.pipeInput(key, event, event.getReceivedAt());
  }

  void generationWithKey(String key, GenerationLogged generation) {
    generations.pipeInput(key, generation, generation.getCreatedAt());
  }

  /**
   * Moves stream time (the clock of windows, settling and grace while input flows) by logging an
   * unrelated generation at {@code time}; nobody gives feedback on it.
   */
  void advanceStreamTimeTo(Instant time) {
    ticks++;
    generation(Events.generation("clock-" + ticks, "clock tick " + ticks, "tock", time));
  }

  /**
   * Moves the driver's wall clock only (no record is read, stream time stands still): what a quiet
   * partition sees.
   */
  void advanceWallClock(Duration duration) {
    driver.advanceWallClockTime(duration);
  }

  List<KeyValue<String, PreferencePair>> pairs() {
    return pairs.readKeyValuesToList();
  }

  List<KeyValue<String, UnaryFeedback>> unary() {
    return unary.readKeyValuesToList();
  }

  List<DeadLetter> deadLetters() {
    return deadLetters.readValuesToList();
  }

  List<KeyValue<byte[], DeadLetter>> deadLettersWithKeys() {
    return deadLetters.readKeyValuesToList();
  }

  @Override
  public void close() {
    driver.close();
  }
}
