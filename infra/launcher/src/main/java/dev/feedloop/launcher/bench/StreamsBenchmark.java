package dev.feedloop.launcher.bench;

import dev.feedloop.infra.kafka.EmbeddedKafkaBroker;
import dev.feedloop.schemas.ChatMessages;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.FeedbackKind;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.SamplingParameters;
import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.schemas.kafka.TopicBootstrap;
import dev.feedloop.schemas.kafka.TopicKeys;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.schemas.kafka.TopicSpec;
import dev.feedloop.streams.FeedbackStreamsApp;
import dev.feedloop.streams.FeedbackStreamsMetrics;
import dev.feedloop.streams.StreamsSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * How fast the feedback topology joins on the real embedded broker with exactly_once_v2, next to
 * what the same broker does for plain clients in the same run: the ratio says how much of the
 * broker's capacity the topology's guarantees and state cost.
 *
 * <p>Both phases move the same number of records of the same sizes. The raw phase produces the
 * generation and feedback events with an idempotent producer (acks=all), then consumes them
 * (read_committed). The streams phase pre-loads the same events into the loop's topics and measures
 * the topology catching up: feedback events joined with their generation per second, from the first
 * join to the last, each join counted once.
 */
@Command(
    name = "bench-streams",
    mixinStandardHelpOptions = true,
    description =
        "Benchmarks the feedback-streams topology (exactly_once_v2) against the raw produce/consume rate of the same embedded broker.")
public final class StreamsBenchmark implements Callable<Integer> {

  @Option(
      names = "--feedback",
      defaultValue = "50000",
      description = "Feedback events (one per generation). Default: ${DEFAULT-VALUE}")
  int feedbackEvents;

  @Option(
      names = "--threads",
      defaultValue = "1",
      description = "Stream threads. Default: ${DEFAULT-VALUE}")
  int threads;

  @Option(
      names = "--guarantee",
      defaultValue = StreamsConfig.EXACTLY_ONCE_V2,
      description = "exactly_once_v2 or at_least_once. Default: ${DEFAULT-VALUE}")
  String guarantee;

  @Option(
      names = "--timeout",
      defaultValue = "600",
      description = "Give up after this many seconds of streams phase. Default: ${DEFAULT-VALUE}")
  int timeoutSeconds;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path directory = Files.createTempDirectory("feedloop-bench-streams");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(directory.resolve("kafka"))) {
      KafkaClientSettings kafka = KafkaClientSettings.of(broker.bootstrapServers());
      Workload workload =
          Workload.generate(feedbackEvents, Instant.now().minus(Duration.ofMinutes(50)));
      out.printf(
          "workload: %d generations + %d feedback events (%d bytes on average), %d partitions per topic, %s cores%n",
          feedbackEvents,
          feedbackEvents,
          workload.averageBytes(),
          TopicSpec.DEFAULT_PARTITIONS,
          Runtime.getRuntime().availableProcessors());
      out.flush();

      Rate produce;
      Rate consume;
      try (Admin admin = Admin.create(kafka.clientConfig())) {
        admin
            .createTopics(
                List.of(new NewTopic("bench-raw", TopicSpec.DEFAULT_PARTITIONS, (short) 1)))
            .all()
            .get();
      }
      // encode before the clock starts: the baseline is the broker's rate, not Avro's
      var rawRecords = workload.records("bench-raw", "bench-raw");
      produce = timed(() -> send(kafka, rawRecords), workload.size());
      consume = timed(() -> consumeAll(kafka, "bench-raw", workload.size()), workload.size());
      out.printf(
          "raw broker: produce %,.0f records/s (idempotent, acks=all), consume %,.0f records/s (read_committed)%n",
          produce.perSecond(), consume.perSecond());
      out.flush();

      TopicNames topics = TopicNames.withPrefix("bench.");
      try (Admin admin = Admin.create(kafka.clientConfig())) {
        TopicBootstrap.ensureTopics(admin, TopicSpec.catalog(topics));
      }
      send(kafka, workload.records(topics.generations(), topics.feedback()));
      StreamsSettings settings =
          StreamsSettings.builder("bench.", directory.resolve("streams"))
              .processingGuarantee(guarantee)
              // no per-user cap: the synthetic users would hit it and the benchmark would measure
              // dead-lettering
              .userCap(Integer.MAX_VALUE)
              .threads(threads)
              .build();

      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      long started = System.nanoTime();
      long firstJoin = 0;
      long lastJoin;
      FeedbackStreamsMetrics.Snapshot last;
      try (FeedbackStreamsApp app = FeedbackStreamsApp.start(kafka, topics, settings, registry)) {
        long deadline = started + Duration.ofSeconds(timeoutSeconds).toNanos();
        while (true) {
          last = app.metrics().snapshot();
          if (firstJoin == 0 && last.joins() > 0) {
            firstJoin = System.nanoTime();
          }
          if (last.joins() >= feedbackEvents || System.nanoTime() > deadline) {
            lastJoin = System.nanoTime(); // before close(): shutting the app down is not joining
            break;
          }
          Thread.sleep(20);
        }
      }
      if (last.joins() < feedbackEvents) {
        out.printf(
            "streams: only %d of %d feedback events joined within %d s%n",
            last.joins(), feedbackEvents, timeoutSeconds);
        return 1;
      }
      double joinSeconds = (lastJoin - firstJoin) / 1e9;
      double joinedPerSecond = feedbackEvents / joinSeconds;
      double inputPerSecond = 2.0 * feedbackEvents / joinSeconds;
      out.printf(
          "streams (%s, %d thread(s)): %,d feedback events joined in %.1f s after %.1f s start-up = %,.0f feedback joined/s"
              + " (%,.0f input records/s); pairs out %d, unary out %d, dead letters %d so far%n",
          guarantee,
          threads,
          feedbackEvents,
          joinSeconds,
          (firstJoin - started) / 1e9,
          joinedPerSecond,
          inputPerSecond,
          last.pairsOutTotal(),
          last.unaryOut(),
          last.deadLettersTotal());
      out.printf(
          "ratio: streams input records/s = %.1f%% of raw produce, %.1f%% of raw consume%n",
          100 * inputPerSecond / produce.perSecond(), 100 * inputPerSecond / consume.perSecond());
      out.flush();
      return 0;
    } finally {
      deleteRecursively(directory);
    }
  }

  private record Rate(long records, long nanos) {
    double perSecond() {
      return records / (nanos / 1e9);
    }
  }

  @FunctionalInterface
  private interface Work {
    void run() throws Exception;
  }

  private static Rate timed(Work work, long records) throws Exception {
    long start = System.nanoTime();
    work.run();
    return new Rate(records, System.nanoTime() - start);
  }

  private static void send(KafkaClientSettings kafka, List<ProducerRecord<byte[], byte[]>> records)
      throws Exception {
    Map<String, Object> config = kafka.clientConfig();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
      Future<RecordMetadata> lastSent = null;
      for (ProducerRecord<byte[], byte[]> record : records) {
        lastSent = producer.send(record);
      }
      producer.flush();
      if (lastSent != null) {
        lastSent.get();
      }
    }
  }

  private static void consumeAll(KafkaClientSettings kafka, String topic, long expected) {
    Map<String, Object> config = kafka.clientConfig();
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (int p = 0; p < TopicSpec.DEFAULT_PARTITIONS; p++) {
        partitions.add(new TopicPartition(topic, p));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long seen = 0;
      while (seen < expected) {
        seen += consumer.poll(Duration.ofMillis(100)).count();
      }
    }
  }

  /**
   * One generation per prompt group member and one feedback event on each: 70% votes (up or down),
   * 15% choices between two candidates of the same prompt, 15% edits. Events spread over ten
   * minutes of event time, so windows open and close during the run as in production.
   */
  record Workload(
      List<GenerationLogged> generations, List<FeedbackReceived> feedback, long totalBytes) {

    private static final EventSerde<GenerationLogged> GENERATIONS =
        EventSerde.of(GenerationLogged.class);
    private static final EventSerde<FeedbackReceived> FEEDBACK =
        EventSerde.of(FeedbackReceived.class);

    static Workload generate(int count, Instant base) {
      Random random = new Random(42);
      List<GenerationLogged> generations = new ArrayList<>(count);
      List<FeedbackReceived> feedback = new ArrayList<>(count);
      long spreadMillis = Duration.ofMinutes(10).toMillis();
      long bytes = 0;
      for (int i = 0; i < count; i++) {
        int prompt = i / 4;
        Instant at = base.plusMillis(spreadMillis * i / count);
        GenerationLogged generation =
            GenerationLogged.newBuilder()
                .setGenerationId("gen-" + i)
                .setRequestId("req-" + prompt)
                .setCandidateIndex(i % 4)
                .setModelId("tiny-chat")
                .setAdapterVersion((long) (i % 3))
                .setUserId("user-" + (prompt % 500))
                .setPrompt(
                    List.of(
                        ChatMessages.of("system", "You are a helpful assistant."),
                        ChatMessages.of("user", "Question " + prompt + ": who are you?")))
                .setCompletion(
                    "Answer "
                        + i
                        + ": "
                        + "I am Athene and I am glad to help you today. "
                            .repeat(1 + random.nextInt(4)))
                .setSampling(SamplingParameters.newBuilder().build())
                .setPromptTokens(20)
                .setCompletionTokens(24)
                .setCompletionLogprob(-10.0 * random.nextDouble())
                .setCreatedAt(at)
                .build();
        generations.add(generation);
        double kind = random.nextDouble();
        FeedbackReceived.Builder event =
            FeedbackReceived.newBuilder()
                .setFeedbackId("fb-" + i)
                .setGenerationId(generation.getGenerationId())
                .setUserId("user-" + (prompt % 500))
                .setReceivedAt(at.plusSeconds(2));
        if (kind < 0.7) {
          event.setKind(random.nextBoolean() ? FeedbackKind.THUMBS_UP : FeedbackKind.THUMBS_DOWN);
        } else if (kind < 0.85 && i % 4 != 3) {
          event.setKind(FeedbackKind.CHOICE).setOtherGenerationId("gen-" + (i + 1));
        } else {
          event
              .setKind(FeedbackKind.EDIT)
              .setEditedText("A corrected answer number " + i + ", brief and polite.");
        }
        FeedbackReceived built = event.build();
        feedback.add(built);
        bytes +=
            GENERATIONS.serialize(null, generation).length + FEEDBACK.serialize(null, built).length;
      }
      return new Workload(generations, feedback, bytes);
    }

    int size() {
      return generations.size() + feedback.size();
    }

    long averageBytes() {
      return totalBytes / size();
    }

    List<ProducerRecord<byte[], byte[]>> records(String generationTopic, String feedbackTopic) {
      List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(size());
      for (int i = 0; i < generations.size(); i++) {
        GenerationLogged generation = generations.get(i);
        FeedbackReceived event = feedback.get(i);
        records.add(
            new ProducerRecord<>(
                generationTopic,
                null,
                generation.getCreatedAt().toEpochMilli(),
                TopicKeys.of(generation).getBytes(StandardCharsets.UTF_8),
                GENERATIONS.serialize(null, generation)));
        records.add(
            new ProducerRecord<>(
                feedbackTopic,
                null,
                event.getReceivedAt().toEpochMilli(),
                TopicKeys.of(event).getBytes(StandardCharsets.UTF_8),
                FEEDBACK.serialize(null, event)));
      }
      return records;
    }
  }

  /** Deletes a benchmark's temporary directory and everything in it. */
  static void deleteRecursively(Path directory) throws IOException {
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
