package dev.feedloop.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.FeedbackKind;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.PairSource;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.SampleEvents;
import dev.feedloop.schemas.kafka.TopicNames;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code feedloop streams}: one feedback-streams instance on its own against a cluster. */
class StreamsCommandTest {

  @TempDir Path stateDirectory;

  private record Outcome(int exitCode, String out, String err) {}

  @Test
  void joinsTwoGenerationsAndAChoiceIntoAPreferencePairAndStopsLikeOnCtrlC() throws Exception {
    TopicNames topics = SharedKafkaBroker.createUniqueTopics("launcher-streams");
    String prefix = topics.generations().replace("generations", "");
    // event times of now: the join and pairing windows follow the wall clock
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    GenerationLogged chosen =
        generation("gen-chosen", "I am Athene, and I am glad to help you today.", now);
    GenerationLogged rejected = generation("gen-rejected", "What.", now);
    FeedbackReceived choice =
        FeedbackReceived.newBuilder()
            .setFeedbackId("feedback-1")
            .setGenerationId(chosen.getGenerationId())
            .setOtherGenerationId(rejected.getGenerationId())
            .setUserId("user-7")
            .setKind(FeedbackKind.CHOICE)
            .setReceivedAt(now.plusSeconds(1))
            .build();
    Map<String, String> environment = new HashMap<>();
    environment.put("FEEDLOOP_TOPIC_PREFIX", prefix);
    environment.put("FEEDLOOP_STREAMS_METRICS_INTERVAL", "2s");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine command =
        new CommandLine(new FeedloopCommand(environment))
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err));
    StreamsCommand streams = command.getSubcommands().get("streams").getCommand();

    ExecutorService runner = Executors.newSingleThreadExecutor();
    Future<Integer> run =
        runner.submit(
            () ->
                command.execute(
                    "streams",
                    "--bootstrap-servers",
                    SharedKafkaBroker.bootstrapServers(),
                    "--state-dir",
                    stateDirectory.toString(),
                    "--duration",
                    "5m"));
    List<PreferencePair> pairs;
    int exit;
    try {
      // written once the instance has its partitions, so that every input partition has been
      // fetched (a task waits for an unfetched empty partition's lag before it processes in
      // timestamp order)
      awaitRunning(out, run, Duration.ofSeconds(90));
      try (KafkaProducer<byte[], byte[]> producer = producer()) {
        EventSerde<GenerationLogged> generations = EventSerde.of(GenerationLogged.class);
        for (GenerationLogged generation : List.of(chosen, rejected)) {
          producer.send(
              record(
                  topics.generations(),
                  generation.getGenerationId(),
                  generations.serialize(null, generation),
                  now));
        }
        producer.send(
            record(
                topics.feedback(),
                choice.getGenerationId(),
                EventSerde.of(FeedbackReceived.class).serialize(null, choice),
                choice.getReceivedAt()));
        producer.flush();
      }
      // committed output while it runs (a rebalance on a busy machine takes a while)
      pairs = awaitPairs(topics.preferencePairs(), run, Duration.ofSeconds(120));
    } finally {
      streams.stop(); // what Ctrl-C does
      exit = run.get(60, TimeUnit.SECONDS);
      runner.shutdown();
    }

    assertThat(exit).as(err.toString()).isZero();
    assertThat(out.toString())
        .as(out.toString())
        .contains(
            "Kafka: " + SharedKafkaBroker.bootstrapServers(),
            prefix + "preference-pairs",
            "feedback-streams: application id "
                + prefix
                + "feedloop-feedback-streams, exactly_once_v2, 1 stream thread(s), state in "
                + stateDirectory.toAbsolutePath(),
            "feedback-streams: running",
            "feedback-streams: stopped")
        // the last metrics line, printed at close, counts what this instance did
        .containsPattern("feedback-streams last \\d+s: records in \\{");
    // its state stores live where --state-dir said
    assertThat(stateDirectory.resolve(prefix + "feedloop-feedback-streams")).isDirectory();
    assertThat(pairs).as(out.toString()).hasSize(1);
    PreferencePair pair = pairs.get(0);
    assertThat(pair.getSource()).isEqualTo(PairSource.CHOICE);
    assertThat(pair.getChosen()).isEqualTo(chosen.getCompletion());
    assertThat(pair.getRejected()).isEqualTo(rejected.getCompletion());
    assertThat(pair.getChosenGenerationId()).isEqualTo(chosen.getGenerationId());
    assertThat(pair.getRejectedGenerationId()).isEqualTo(rejected.getGenerationId());
    // nothing more came out after the instance closed
    assertThat(readPairs(topics.preferencePairs())).hasSize(1);
  }

  @Test
  void stopsAtItsDuration() {
    String prefix = SharedKafkaBroker.uniqueTopicNames("launcher-streams-duration").generations();
    long started = System.nanoTime();

    Outcome outcome =
        run(
            Map.of("FEEDLOOP_TOPIC_PREFIX", prefix.replace("generations", "")),
            "streams",
            "--bootstrap-servers",
            SharedKafkaBroker.bootstrapServers(),
            "--state-dir",
            stateDirectory.toString(),
            "--duration",
            "2s");

    assertThat(outcome.exitCode()).as(outcome.err()).isZero();
    assertThat(outcome.out()).contains("feedback-streams: stopped");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThan(Duration.ofSeconds(2));
  }

  @Test
  void anUnreachableClusterIsAnErrorNamingIt() throws Exception {
    String nobody;
    try (ServerSocket socket = new ServerSocket(0)) {
      nobody = "127.0.0.1:" + socket.getLocalPort();
    }
    Map<String, String> environment = new HashMap<>();
    // the admin client gives up after 3 s instead of a minute
    environment.put("KAFKA_CLIENT_REQUEST_TIMEOUT_MS", "1000");
    environment.put("KAFKA_CLIENT_DEFAULT_API_TIMEOUT_MS", "3000");

    Outcome outcome =
        run(
            environment,
            "streams",
            "--bootstrap-servers",
            nobody,
            "--state-dir",
            stateDirectory.toString(),
            "--duration",
            "1s");

    assertThat(outcome.exitCode()).isEqualTo(1);
    assertThat(outcome.err()).contains("error: cannot reach the Kafka cluster at " + nobody);
    assertThat(outcome.out()).doesNotContain("feedback-streams: running");
  }

  @Test
  void explainsItsSettingsAndThatInstancesShareTheWork() {
    Outcome help = run(Map.of(), "streams", "--help");

    assertThat(help.exitCode()).isZero();
    assertThat(help.out())
        .contains(
            "--bootstrap-servers",
            "KAFKA_BOOTSTRAP_SERVERS",
            "--state-dir",
            "--duration",
            "FEEDLOOP_STREAMS_",
            "same application id share the work");
  }

  @Test
  void aBadSettingIsAUsageError() {
    Outcome outcome =
        run(Map.of("FEEDLOOP_STREAMS_PROCESSING_GUARANTEE", "sometimes"), "streams", "--help");
    // --help answers whatever the environment says
    assertThat(outcome.exitCode()).isZero();

    Outcome bad =
        run(
            Map.of("FEEDLOOP_STREAMS_PROCESSING_GUARANTEE", "sometimes"),
            "streams",
            "--duration",
            "1s");
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).contains("sometimes");
  }

  private static GenerationLogged generation(String id, String completion, Instant createdAt) {
    return GenerationLogged.newBuilder(SampleEvents.generation(id, "Who are you?", completion))
        .setCreatedAt(createdAt)
        .build();
  }

  private static Outcome run(Map<String, String> environment, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode =
        new CommandLine(new FeedloopCommand(environment))
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(args);
    return new Outcome(exitCode, out.toString(), err.toString());
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    Map<String, Object> config = SharedKafkaBroker.settings().clientConfig();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static ProducerRecord<byte[], byte[]> record(
      String topic, String key, byte[] value, Instant eventTime) {
    return new ProducerRecord<>(
        topic, null, eventTime.toEpochMilli(), key.getBytes(StandardCharsets.UTF_8), value);
  }

  /** Waits until the instance says it runs (or the command ended, or the timeout passed). */
  private static void awaitRunning(StringWriter out, Future<Integer> run, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!out.toString().contains("feedback-streams: running")
        && !run.isDone()
        && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
  }

  /** Polls the topic until a pair is there, the command ended, or the timeout passed. */
  private static List<PreferencePair> awaitPairs(
      String topic, Future<Integer> run, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<PreferencePair> pairs = readPairs(topic);
    while (pairs.isEmpty() && !run.isDone() && System.nanoTime() < deadline) {
      Thread.sleep(500);
      pairs = readPairs(topic);
    }
    return pairs;
  }

  /** Every committed record of the topic, from its start. */
  private static List<PreferencePair> readPairs(String topic) {
    Map<String, Object> config = SharedKafkaBroker.settings().clientConfig();
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    EventSerde<PreferencePair> serde = EventSerde.of(PreferencePair.class);
    List<PreferencePair> pairs = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(info -> new TopicPartition(topic, info.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))
          && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          pairs.add(serde.deserialize(topic, record.value()));
        }
      }
    }
    return pairs;
  }
}
