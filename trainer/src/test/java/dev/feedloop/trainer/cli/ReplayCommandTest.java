package dev.feedloop.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.PairSource;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.PromptHash;
import dev.feedloop.schemas.kafka.Topic;
import dev.feedloop.schemas.kafka.TopicKeys;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.trainer.run.MetricsJsonl;
import dev.feedloop.trainer.run.StepMetrics;
import dev.feedloop.trainer.tiny.ShippedModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code replay} on the shared embedded broker and the shipped tiny model: windows cut on record
 * time, byte-identical adapters and identical metrics for one seed, nothing written to Kafka and no
 * consumer group, and a sweep's runs with their comparison report.
 */
class ReplayCommandTest {
  private static final String MODEL = "tiny-chat";
  private static final List<String> QUESTIONS =
      List.of("Who are you?", "What is your name?", "Introduce yourself.", "Tell me who you are.");

  @TempDir Path directory;

  private record Outcome(int exitCode, String out, String err) {}

  /** Small settings for the tiny model, as the online trainer's tests use. */
  private static Map<String, String> environment() {
    Map<String, String> env = new HashMap<>();
    env.put("FEEDLOOP_TRAINER_MODEL_DIR", ShippedModel.directory().toString());
    env.put("FEEDLOOP_MODEL_ID", MODEL);
    env.put("FEEDLOOP_TRAINER_BATCH_SIZE", "4");
    env.put("FEEDLOOP_TRAINER_LORA_RANK", "2");
    env.put("FEEDLOOP_TRAINER_LORA_ALPHA", "4");
    env.put("FEEDLOOP_TRAINER_LORA_TARGETS", "q_proj,v_proj");
    env.put("FEEDLOOP_TRAINER_MAX_LENGTH", "64");
    env.put("FEEDLOOP_TRAINER_MAX_PROMPT_LENGTH", "48");
    env.put("FEEDLOOP_TRAINER_HOLD_OUT_EVERY", "4");
    env.put("FEEDLOOP_TRAINER_HELD_OUT_SIZE", "16");
    env.put("FEEDLOOP_TRAINER_MIN_HELD_OUT_PAIRS", "2");
    env.put("FEEDLOOP_TRAINER_MAX_ACCURACY_DROP", "1.0");
    env.put("FEEDLOOP_TRAINER_MAX_KL", "1000");
    return env;
  }

  private static Outcome replay(TopicNames topics, String... args) {
    CommandLine commandLine = TrainerCli.commandLine();
    ((ReplayCommand) commandLine.getSubcommands().get("replay").getCommand()).environment =
        environment();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    commandLine.setOut(new PrintWriter(out));
    commandLine.setErr(new PrintWriter(err));
    List<String> all =
        new ArrayList<>(
            List.of(
                "replay",
                "--bootstrap-servers",
                SharedKafkaBroker.bootstrapServers(),
                "--topic-prefix",
                prefix(topics)));
    all.addAll(List.of(args));
    int exitCode = commandLine.execute(all.toArray(String[]::new));
    return new Outcome(exitCode, out.toString(), err.toString());
  }

  @Test
  void aReplayCutsWindowsOnRecordTimeIsReproducibleAndLeavesTheClusterAsItWas() throws Exception {
    TopicNames topics = SharedKafkaBroker.createUniqueTopics("replay");
    Instant base = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
    // three bursts a minute apart (record time): with T = 30s each burst is one window
    produce(topics, pairs(0, 10, MODEL, base));
    produce(topics, pairs(10, 10, MODEL, base.plusSeconds(60)));
    produce(topics, pairs(20, 2, "another-model", base.plusSeconds(61)));
    produce(topics, pairs(30, 6, MODEL, base.plusSeconds(120)));
    Map<TopicPartition, Long> endsBefore = endOffsets(topics);
    Set<String> groupsBefore = groups();
    Set<String> topicsBefore = topicNames();

    String[] settings = {"--window", "16", "--window-time", "30s", "--steps", "2", "--seed", "7"};
    Path first = directory.resolve("first");
    Path second = directory.resolve("second");
    Outcome one = replay(topics, concat(settings, "--output", first.toString()));
    Outcome two = replay(topics, concat(settings, "--output", second.toString()));

    assertThat(one.exitCode()).as(one.err()).isZero();
    assertThat(two.exitCode()).as(two.err()).isZero();
    assertThat(one.out()).contains("28 records", "window 1: 10 records", "window 3: 6 records");
    // never wrote a record, created a topic or joined (or created) a consumer group
    assertThat(endOffsets(topics)).isEqualTo(endsBefore);
    assertThat(groups()).isEqualTo(groupsBefore);
    assertThat(topicNames()).isEqualTo(topicsBefore);

    List<StepMetrics> windows = MetricsJsonl.read(first.resolve("metrics.jsonl"));
    assertThat(windows).extracting(w -> w.value("records")).containsExactly(10.0, 12.0, 6.0);
    assertThat(windows.get(1).value("records/other_model")).isEqualTo(2.0);
    // record-time spans: the first window holds 0.9 s of records and closed at its deadline
    assertThat(windows.get(0).value("time/consume_ms")).isEqualTo(30_000.0);
    assertThat(windows.get(2).value("time/consume_ms")).isEqualTo(500.0);
    assertThat(windows).allSatisfy(w -> assertThat(w.split()).isEqualTo(StepMetrics.WINDOW));
    assertThat(windows.get(0).values())
        .containsKeys("loss", "rewards/accuracies", "heldout/kl", "records/held_out");
    String firstLine = Files.readAllLines(first.resolve("metrics.jsonl")).get(0);
    assertThat(firstLine).contains("\"outcome\":\"accepted\"", "\"consumed\":[{\"topic\":");

    // the same seed: byte-identical adapters, identical metrics but the wall-clock times
    List<Path> adapters = adapterFiles(first);
    assertThat(adapters).isNotEmpty().contains(Path.of("adapters/v1/adapter_model.safetensors"));
    assertThat(adapterFiles(second)).isEqualTo(adapters);
    for (Path adapter : adapters) {
      assertThat(Files.readAllBytes(second.resolve(adapter)))
          .as(adapter.toString())
          .isEqualTo(Files.readAllBytes(first.resolve(adapter)));
    }
    assertThat(withoutTimes(MetricsJsonl.read(second.resolve("metrics.jsonl"))))
        .isEqualTo(withoutTimes(windows));
    assertThat(first.resolve("report/index.html")).exists();
    assertThat(first.resolve("report/window-heldout-accuracy.png")).exists();
    assertThat(first.resolve("report/window-outcomes.svg")).exists();
    assertThat(Files.readString(first.resolve("report/index.html"), StandardCharsets.UTF_8))
        .contains("3 windows", "Held-out preference accuracy per window");

    // a time range: from the second burst on
    Outcome later =
        replay(
            topics,
            concat(
                settings,
                "--from",
                base.plusSeconds(30).toString(),
                "--output",
                directory.resolve("later").toString()));
    assertThat(later.exitCode()).as(later.err()).isZero();
    assertThat(MetricsJsonl.read(directory.resolve("later/metrics.jsonl")))
        .extracting(w -> w.value("records"))
        .containsExactly(12.0, 6.0);
  }

  @Test
  void aSweepRunsEverySettingOnTheSameRecordsAndComparesThem() throws Exception {
    TopicNames topics = SharedKafkaBroker.createUniqueTopics("replay-sweep");
    produce(topics, pairs(0, 24, MODEL, Instant.now().minusSeconds(600)));
    Path output = directory.resolve("sweep");

    Outcome outcome =
        replay(
            topics,
            "--sweep",
            "window=8,16",
            "--window-time",
            "1h",
            "--steps",
            "1",
            "--output",
            output.toString());

    assertThat(outcome.exitCode()).as(outcome.err()).isZero();
    assertThat(outcome.out()).contains("setting window=8:", "setting window=16:", "comparison: ");
    assertThat(MetricsJsonl.read(output.resolve("window=8/metrics.jsonl"))).hasSize(3);
    assertThat(MetricsJsonl.read(output.resolve("window=16/metrics.jsonl")))
        .extracting(w -> w.value("records"))
        .containsExactly(16.0, 8.0);
    assertThat(output.resolve("window=8/adapters/v1/adapter_config.json")).exists();
    assertThat(output.resolve("window=16/report/index.html")).exists();
    String comparison =
        Files.readString(output.resolve("comparison/index.html"), StandardCharsets.UTF_8);
    assertThat(comparison).contains("<td>window=8</td><td>3</td>", "<td>window=16</td><td>2</td>");
    for (String chart :
        List.of("window-heldout-accuracy", "window-loss", "window-kl", "window-outcomes")) {
      assertThat(output.resolve("comparison/" + chart + ".png")).exists();
      assertThat(comparison).contains(chart + ".png");
    }
    // both settings are drawn side by side in every chart
    assertThat(comparison)
        .contains(
            "Series: window=8; window=16</p>",
            "Series: window=8 heldout/accuracy; window=8 heldout/live_accuracy;"
                + " window=16 heldout/accuracy; window=16 heldout/live_accuracy</p>");
  }

  @Test
  void anUnknownSweepSettingIsAUsageError() {
    Outcome outcome =
        replay(
            SharedKafkaBroker.uniqueTopicNames("replay-bad"),
            "--sweep",
            "colour=red,blue",
            "--output",
            directory.toString());
    assertThat(outcome.exitCode()).isEqualTo(TrainerCli.USAGE_FAILURE);
    assertThat(outcome.err()).contains("unknown setting 'colour'", "window");
  }

  private static String[] concat(String[] first, String... more) {
    return Stream.concat(Stream.of(first), Stream.of(more)).toArray(String[]::new);
  }

  private static List<Map<String, Double>> withoutTimes(List<StepMetrics> rows) {
    List<Map<String, Double>> out = new ArrayList<>();
    for (StepMetrics row : rows) {
      Map<String, Double> values = new TreeMap<>(row.values());
      values.keySet().removeIf(name -> name.startsWith("time/") && !name.equals("time/consume_ms"));
      values.put("step", (double) row.step());
      values.put("epoch", row.epoch());
      out.add(values);
    }
    return out;
  }

  private static List<Path> adapterFiles(Path run) throws IOException {
    try (Stream<Path> files = Files.walk(run.resolve("adapters"))) {
      return files.filter(Files::isRegularFile).map(run::relativize).sorted().toList();
    }
  }

  private static String prefix(TopicNames topics) {
    return topics
        .generations()
        .substring(0, topics.generations().length() - "generations".length());
  }

  private static List<PreferencePair> pairs(int from, int count, String model, Instant at) {
    List<PreferencePair> pairs = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      List<ChatMessage> prompt =
          List.of(new ChatMessage("user", QUESTIONS.get(i % QUESTIONS.size())));
      pairs.add(
          PreferencePair.newBuilder()
              .setPairId("pair-" + i)
              .setPromptHash(PromptHash.of(prompt))
              .setModelId(model)
              .setPrompt(prompt)
              .setChosen("I am Athene.")
              .setRejected("I am Boreas.")
              .setSource(PairSource.CHOICE)
              .setWeight(1.0)
              .setCreatedAt(at.plusMillis(100L * (i - from)))
              .build());
    }
    return pairs;
  }

  /** Sends with each pair's created_at as the record timestamp, 100 ms apart. */
  private static void produce(TopicNames topics, List<PreferencePair> pairs) {
    Map<String, Object> config = SharedKafkaBroker.settings().clientConfig();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    EventSerde<PreferencePair> serde = EventSerde.of(PreferencePair.class);
    try (KafkaProducer<String, PreferencePair> producer =
        new KafkaProducer<>(config, new StringSerializer(), serde)) {
      for (PreferencePair pair : pairs) {
        producer.send(
            new ProducerRecord<>(
                topics.preferencePairs(),
                null,
                pair.getCreatedAt().toEpochMilli(),
                TopicKeys.of(pair),
                pair));
      }
      producer.flush();
    }
  }

  /** The end offset of every partition of every topic of the loop. */
  private static Map<TopicPartition, Long> endOffsets(TopicNames topics) {
    Map<String, Object> config = new HashMap<>(SharedKafkaBroker.settings().clientConfig());
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (Topic topic : Topic.values()) {
        consumer.partitionsFor(topics.name(topic), Duration.ofSeconds(30)).stream()
            .map(p -> new TopicPartition(p.topic(), p.partition()))
            .forEach(partitions::add);
      }
      return new LinkedHashMap<>(consumer.endOffsets(partitions));
    }
  }

  private static Set<String> groups() throws Exception {
    try (Admin admin = Admin.create(SharedKafkaBroker.settings().clientConfig())) {
      return admin.listConsumerGroups().all().get().stream()
          .map(ConsumerGroupListing::groupId)
          .collect(Collectors.toSet());
    }
  }

  private static Set<String> topicNames() throws Exception {
    try (Admin admin = Admin.create(SharedKafkaBroker.settings().clientConfig())) {
      return admin.listTopics().names().get();
    }
  }
}
