package dev.feedloop.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.infra.kafka.SharedKafkaBroker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class FeedloopCommandTest {

  @TempDir Path dataDirectory;

  @Test
  void runsAgainstTheExternalClusterNamedInTheEnvironment() throws Exception {
    String prefix =
        SharedKafkaBroker.uniqueTopicNames("launcher").generations().replace("generations", "");
    Map<String, String> environment =
        Map.of(
            "KAFKA_BOOTSTRAP_SERVERS",
            SharedKafkaBroker.bootstrapServers(),
            "FEEDLOOP_TOPIC_PREFIX",
            prefix);
    StringWriter out = new StringWriter();
    CommandLine command =
        new CommandLine(new FeedloopCommand(environment)).setOut(new PrintWriter(out));

    int exit = command.execute("--data-dir", dataDirectory.toString(), "--duration", "100ms");

    assertThat(exit).isZero();
    assertThat(out.toString())
        .contains("external cluster")
        .contains(prefix + "preference-pairs")
        .contains(
            "feedback-streams: application id "
                + prefix
                + "feedloop-feedback-streams, exactly_once_v2");
    // no embedded broker was started; only the streams state lives under the data directory
    assertThat(dataDirectory.resolve("kafka")).doesNotExist();
    try (Admin admin =
        Admin.create(Map.of("bootstrap.servers", SharedKafkaBroker.bootstrapServers()))) {
      assertThat(admin.listTopics().names().get())
          .contains(prefix + "adapters", prefix + "dead-letter");
    }
  }

  @Test
  void benchStreamsIsASubcommand() {
    StringWriter out = new StringWriter();
    CommandLine command =
        new CommandLine(new FeedloopCommand(Map.of())).setOut(new PrintWriter(out));

    int exit = command.execute("bench-streams", "--help");

    assertThat(exit).isZero();
    assertThat(out.toString()).contains("--feedback", "exactly_once_v2");
  }

  @Test
  void badDurationIsAUsageErrorNamingTheValue() {
    StringWriter err = new StringWriter();
    CommandLine command =
        new CommandLine(new FeedloopCommand(Map.of())).setErr(new PrintWriter(err));

    int exit = command.execute("--duration", "soon");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("'soon' is not a duration");
  }

  @Test
  void durationsParseInOperatorUnits() {
    var converter = new FeedloopCommand.DurationConverter();
    assertThat(converter.convert("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(converter.convert("10m")).isEqualTo(Duration.ofMinutes(10));
    assertThat(converter.convert("PT1H")).isEqualTo(Duration.ofHours(1));
    // the same grammar as every FEEDLOOP_STREAMS_* duration
    assertThat(converter.convert("1d")).isEqualTo(Duration.ofDays(1));
    assertThat(converter.convert("0")).isZero();
  }
}
