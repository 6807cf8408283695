package dev.feedloop.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.schemas.EvaluationCompleted;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.users.run.RunReport;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The default run, short: the whole loop in one process (on the shared broker, its own topics),
 * simulated users for a couple of minutes, and the learning curve must rise.
 */
class ShortLoopRunTest {

  @TempDir Path runs;

  @Test
  void aShortRunRaisesSatisfactionAndWritesItsReport() throws Exception {
    String prefix =
        SharedKafkaBroker.uniqueTopicNames("short-loop").generations().replace("generations", "");
    Map<String, String> environment = new HashMap<>();
    environment.put("FEEDLOOP_MODEL_DIR", "../../models/tiny-chat");
    environment.put("FEEDLOOP_SERVING_PORT", "0");
    environment.put("KAFKA_BOOTSTRAP_SERVERS", SharedKafkaBroker.bootstrapServers());
    environment.put("FEEDLOOP_TOPIC_PREFIX", prefix);
    StringWriter out = new StringWriter();

    int exit =
        new CommandLine(new FeedloopCommand(environment))
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(out))
            .execute(
                "--runs-dir",
                runs.toString(),
                "--run",
                "short",
                "--duration",
                "150s",
                "--users",
                "12",
                "--evaluation-prompts",
                "100");

    assertThat(exit).as(out.toString()).isZero();
    Path runDirectory = runs.resolve("short");
    JsonNode summary =
        new ObjectMapper().readTree(runDirectory.resolve(RunReport.SUMMARY_JSON).toFile());
    JsonNode curve = summary.path("curve");
    assertThat(curve.size()).as(out.toString()).isGreaterThanOrEqualTo(3);
    double base = summary.path("base").path("satisfaction").asDouble();
    double best = summary.path("best").path("satisfaction").asDouble();
    // the base model rarely satisfies "athene,polite"; a few windows of feedback must move it
    assertThat(base).as(out.toString()).isLessThan(0.2);
    assertThat(best).as(out.toString()).isGreaterThanOrEqualTo(base + 0.1);
    assertThat(summary.path("adapters").path("published").asLong()).isPositive();
    assertThat(summary.path("feedback_by_kind").path("choice").asLong()).isPositive();
    for (String file : List.of(RunReport.CURVE_PNG, RunReport.CURVE_SVG, RunReport.REPORT_HTML)) {
      assertThat(runDirectory.resolve(file)).isNotEmptyFile();
    }
    assertThat(out.toString()).contains("Report: ").contains("feedback ").contains("windows ");

    // every measurement went to the evaluations topic, where consoles draw the curve from
    List<EvaluationCompleted> published = evaluations(prefix + "evaluations");
    assertThat(published).hasSize(curve.size());
    assertThat(published.get(0).getAdapterVersion()).isNull();
    assertThat(published).allSatisfy(e -> assertThat(e.getRunId()).isEqualTo("short"));
  }

  private static List<EvaluationCompleted> evaluations(String topic) {
    EventSerde<EvaluationCompleted> serde = EventSerde.of(EvaluationCompleted.class);
    List<EvaluationCompleted> events = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            Map.of("bootstrap.servers", SharedKafkaBroker.bootstrapServers()),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))
          && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          events.add(serde.deserialize(topic, record.value()));
        }
      }
    }
    events.sort(java.util.Comparator.comparingLong(EvaluationCompleted::getSequence));
    return events;
  }
}
