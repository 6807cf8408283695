package dev.feedloop.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.schemas.DeadLetter;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.FeedbackKind;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.PairSource;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.PromptHash;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.schemas.rules.RejectReason;
import dev.feedloop.trainer.data.ImportedRecords;
import dev.feedloop.trainer.publish.ImportDeadLetters;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code publish records} and {@code publish feedback} against the real (embedded, shared) broker:
 * the events land in their topics as Avro with their topics' keys, rejects land in dead-letter with
 * their reason and file:line, and strict mode sends nothing.
 */
class PublishCommandIntegrationTest {
  @TempDir Path directory;

  private record Outcome(int exitCode, String out, String err) {}

  private record Received<T>(String key, T value, long timestamp) {}

  private static Outcome run(String... args) {
    CommandLine commandLine = TrainerCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    commandLine.setOut(new PrintWriter(out));
    commandLine.setErr(new PrintWriter(err));
    int exitCode = commandLine.execute(args);
    return new Outcome(exitCode, out.toString(), err.toString());
  }

  private static Path fixture(String name) throws URISyntaxException {
    return Path.of(PublishCommandIntegrationTest.class.getResource("/exports/" + name).toURI());
  }

  private static String prefix(TopicNames topics) {
    return topics
        .generations()
        .substring(0, topics.generations().length() - "generations".length());
  }

  private static <T extends SpecificRecord> List<Received<T>> readAll(String topic, Class<T> type) {
    Map<String, Object> config = new HashMap<>(SharedKafkaBroker.settings().clientConfig());
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    EventSerde<T> serde = EventSerde.of(type);
    List<Received<T>> events = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        assertThat(System.nanoTime()).as("reading " + topic).isLessThan(deadline);
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          events.add(
              new Received<>(
                  record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8),
                  serde.deserialize(topic, record.value()),
                  record.timestamp()));
        }
      }
    }
    return events;
  }

  @Test
  void recordsLandInTheirTopicsAndRejectsInDeadLetterWithFileAndLine() throws Exception {
    TopicNames topics = SharedKafkaBroker.uniqueTopicNames("publish-records");
    Path file = fixture("preferences.jsonl");
    Outcome outcome =
        run(
            "publish",
            "records",
            file.toString(),
            "--model-id",
            "tiny-chat",
            "--bootstrap-servers",
            SharedKafkaBroker.bootstrapServers(),
            "--topic-prefix",
            prefix(topics));
    assertThat(outcome.exitCode()).as(outcome.err()).isZero();
    assertThat(outcome.out())
        .contains(
            "records read: 5",
            "pairs: 2",
            "identical-pair: 1",
            "malformed: 2",
            file + ":2: identical-pair",
            file + ":3: malformed: trl_standard: missing field rejected",
            file + ":4: malformed: invalid JSON",
            "published 2 to " + topics.preferencePairs(),
            "published 0 to " + topics.unaryFeedback(),
            "published 3 to " + topics.deadLetter());

    List<Received<PreferencePair>> pairs = readAll(topics.preferencePairs(), PreferencePair.class);
    assertThat(pairs).hasSize(2);
    for (Received<PreferencePair> pair : pairs) {
      assertThat(pair.key()).isEqualTo(PromptHash.of(pair.value().getPrompt()));
      assertThat(pair.value().getSource()).isEqualTo(PairSource.IMPORT);
      assertThat(pair.value().getPairId()).startsWith("import:");
      assertThat(pair.value().getModelId()).isEqualTo("tiny-chat");
      assertThat(pair.timestamp()).isEqualTo(pair.value().getCreatedAt().toEpochMilli());
    }
    assertThat(pairs)
        .extracting(pair -> pair.value().getChosen())
        .containsExactlyInAnyOrder("I am Athene, glad to help!", "4");

    List<Received<DeadLetter>> letters = readAll(topics.deadLetter(), DeadLetter.class);
    assertThat(letters).hasSize(3);
    Map<Long, DeadLetter> byLine = new HashMap<>();
    letters.forEach(letter -> byLine.put(letter.value().getSourceOffset(), letter.value()));
    assertThat(byLine.keySet()).containsExactlyInAnyOrder(2L, 3L, 4L);
    DeadLetter identical = byLine.get(2L);
    assertThat(identical.getReason()).isEqualTo(RejectReason.IDENTICAL_PAIR.code());
    assertThat(identical.getSourceTopic()).isEqualTo(ImportDeadLetters.FILE_PREFIX + file);
    assertThat(identical.getDetail()).startsWith(file + ":2: chosen and rejected are the same");
    // the rejected record itself, in Avro, keyed as it would have been
    PreferencePair rejected =
        EventSerde.of(PreferencePair.class).deserialize("", bytes(identical.getOriginalValue()));
    assertThat(rejected.getChosen()).isEqualTo("Hello!");
    assertThat(new String(bytes(identical.getOriginalKey()), StandardCharsets.UTF_8))
        .isEqualTo(rejected.getPromptHash());
    DeadLetter notJson = byLine.get(4L);
    assertThat(notJson.getReason()).isEqualTo(RejectReason.MALFORMED.code());
    assertThat(new String(bytes(notJson.getOriginalValue()), StandardCharsets.UTF_8))
        .isEqualTo("not json at all");
    assertThat(notJson.getOriginalKey()).isNull();
  }

  @Test
  void strictModeNamesFileAndLineAndSendsNothing() throws Exception {
    TopicNames topics = SharedKafkaBroker.uniqueTopicNames("publish-strict");
    Path file = directory.resolve("bad.jsonl");
    Files.writeString(
        file, "{\"prompt\": \"Q\", \"chosen\": \"A long answer\", \"rejected\": \"B\"}\n{oops\n");
    Outcome outcome =
        run(
            "publish",
            "records",
            file.toString(),
            "--strict",
            "--bootstrap-servers",
            SharedKafkaBroker.bootstrapServers(),
            "--topic-prefix",
            prefix(topics));
    assertThat(outcome.exitCode()).isEqualTo(TrainerCli.USAGE_FAILURE);
    assertThat(outcome.err()).contains("error: " + file + ":2: malformed: invalid JSON");
    Outcome feedback =
        run(
            "publish",
            "feedback",
            "--source",
            "langfuse",
            "--strict",
            file.toString(),
            "--bootstrap-servers",
            SharedKafkaBroker.bootstrapServers(),
            "--topic-prefix",
            prefix(topics));
    assertThat(feedback.exitCode()).isEqualTo(TrainerCli.USAGE_FAILURE);
    assertThat(feedback.err()).contains("error: " + file + ":1: malformed: item 0: langfuse:");
    // nothing was sent: the topics were never even created
    try (org.apache.kafka.clients.admin.Admin admin =
        org.apache.kafka.clients.admin.Admin.create(SharedKafkaBroker.settings().clientConfig())) {
      assertThat(admin.listTopics().names().get()).doesNotContain(topics.preferencePairs());
    }
  }

  @Test
  void openWebUiFeedbackLandsAsGenerationsAndFeedbackAndAReimportRepeatsIds() throws Exception {
    TopicNames topics = SharedKafkaBroker.uniqueTopicNames("publish-open-webui");
    Path file = fixture("open-webui-feedback.json");
    String[] args = {
      "publish",
      "feedback",
      "--source",
      "open-webui",
      file.toString(),
      "--model-id",
      "tiny-chat",
      "--bootstrap-servers",
      SharedKafkaBroker.bootstrapServers(),
      "--topic-prefix",
      prefix(topics)
    };
    Outcome outcome = run(args);
    assertThat(outcome.exitCode()).as(outcome.err()).isZero();
    assertThat(outcome.out())
        .contains(
            "items read: 5",
            "generations: 4",
            "feedback: 3",
            "rejected: 2",
            "malformed: 1",
            "invalid-feedback: 1",
            "has no message m-999",
            "published 4 to " + topics.generations(),
            "published 3 to " + topics.feedback(),
            "published 2 to " + topics.deadLetter());

    List<Received<GenerationLogged>> generations =
        readAll(topics.generations(), GenerationLogged.class);
    assertThat(generations).hasSize(4);
    generations.forEach(
        g -> {
          assertThat(g.key()).isEqualTo(g.value().getGenerationId());
          assertThat(g.value().getModelId()).isEqualTo("tiny-chat");
          assertThat(g.timestamp()).isEqualTo(g.value().getCreatedAt().toEpochMilli());
        });
    List<Received<FeedbackReceived>> feedback = readAll(topics.feedback(), FeedbackReceived.class);
    assertThat(feedback).hasSize(3);
    feedback.forEach(f -> assertThat(f.key()).isEqualTo(f.value().getGenerationId()));
    assertThat(feedback)
        .extracting(f -> f.value().getKind())
        .containsExactlyInAnyOrder(
            FeedbackKind.THUMBS_UP, FeedbackKind.THUMBS_DOWN, FeedbackKind.CHOICE);
    List<String> generationIds =
        generations.stream().map(g -> g.value().getGenerationId()).toList();
    feedback.forEach(
        f -> {
          assertThat(generationIds).contains(f.value().getGenerationId());
          if (f.value().getKind() == FeedbackKind.CHOICE) {
            assertThat(generationIds).contains(f.value().getOtherGenerationId());
          }
        });
    List<Received<DeadLetter>> letters = readAll(topics.deadLetter(), DeadLetter.class);
    assertThat(letters)
        .extracting(letter -> letter.value().getReason())
        .containsExactlyInAnyOrder(
            RejectReason.MALFORMED.code(), RejectReason.INVALID_FEEDBACK.code());
    assertThat(letters)
        .allSatisfy(letter -> assertThat(letter.value().getDetail()).startsWith(file + ":"));

    // importing the same export again logs the same generations and feedback ids, no new ones
    assertThat(run(args).exitCode()).isZero();
    List<Received<GenerationLogged>> twice = readAll(topics.generations(), GenerationLogged.class);
    assertThat(twice).hasSize(8);
    assertThat(twice.stream().map(g -> g.value().getGenerationId()).distinct())
        .containsExactlyInAnyOrderElementsOf(generationIds);
    assertThat(
            readAll(topics.feedback(), FeedbackReceived.class).stream()
                .map(f -> f.value().getFeedbackId())
                .distinct())
        .hasSize(3);
  }

  @Test
  void langfuseScoresLandAsVotesOnTheirGenerations() throws Exception {
    TopicNames topics = SharedKafkaBroker.uniqueTopicNames("publish-langfuse");
    Outcome outcome =
        run(
            "publish",
            "feedback",
            "--source",
            "langfuse",
            fixture("langfuse-traces.jsonl").toString(),
            "--bootstrap-servers",
            SharedKafkaBroker.bootstrapServers(),
            "--topic-prefix",
            prefix(topics));
    assertThat(outcome.exitCode()).as(outcome.err()).isZero();
    assertThat(outcome.out())
        .contains("skipped (neutral or other scores): 2", "published 3 to " + topics.feedback());
    List<Received<FeedbackReceived>> feedback = readAll(topics.feedback(), FeedbackReceived.class);
    assertThat(feedback)
        .extracting(f -> f.value().getKind())
        .containsExactlyInAnyOrder(
            FeedbackKind.THUMBS_UP, FeedbackKind.THUMBS_DOWN, FeedbackKind.THUMBS_DOWN);
    List<Received<GenerationLogged>> generations =
        readAll(topics.generations(), GenerationLogged.class);
    assertThat(generations)
        .allSatisfy(
            g -> {
              assertThat(g.key()).isEqualTo(g.value().getGenerationId());
              assertThat(g.value().getGenerationId()).startsWith("langfuse-generation:");
              assertThat(g.value().getModelId()).isEqualTo(ImportedRecords.DEFAULT_MODEL_ID);
            });
    assertThat(readAll(topics.deadLetter(), DeadLetter.class)).hasSize(2);
  }

  @Test
  void aMissingClusterIsAClearError() throws URISyntaxException {
    Outcome outcome =
        run(
            "publish",
            "records",
            fixture("preferences.jsonl").toString(),
            "--bootstrap-servers",
            " ");
    assertThat(outcome.exitCode()).isEqualTo(TrainerCli.USAGE_FAILURE);
    assertThat(outcome.err())
        .contains("no Kafka cluster: set KAFKA_BOOTSTRAP_SERVERS or pass --bootstrap-servers");
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer copy = buffer.duplicate();
    byte[] bytes = new byte[copy.remaining()];
    copy.get(bytes);
    return bytes;
  }
}
