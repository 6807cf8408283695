package dev.feedloop.launcher.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.launcher.FeedloopCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The serving benchmark's plumbing in a tiny run (two levels, four requests each, one swap): the
 * report names every figure with a sane value. Its figures are not judged here, only present.
 */
class ServingBenchmarkTest {

  @TempDir Path directory;

  @Test
  void aTinyRunReportsEveryFigure() throws Exception {
    Path output = directory.resolve("serving.json");
    StringWriter out = new StringWriter();
    CommandLine command =
        new CommandLine(new FeedloopCommand(Map.of())).setOut(new PrintWriter(out));

    int exit =
        command.execute(
            "bench-serving",
            "--bootstrap-servers",
            SharedKafkaBroker.bootstrapServers(),
            "--model",
            "../../models/tiny-chat",
            "--clients",
            "1,2",
            "--requests",
            "4",
            "--max-tokens",
            "8",
            "--swaps",
            "1",
            "--output",
            output.toString());

    assertThat(exit).as(out.toString()).isZero();
    assertThat(out.toString())
        .contains("clients", "p50 ms", "ttft p99", "raw tok/s", "http/raw", "rows/step", "RSS MiB")
        .contains("2 clients / 1 client")
        .contains("adapter swap");
    JsonNode report = new ObjectMapper().readTree(output.toFile());
    assertThat(report.get("model").asText()).isEqualTo("tiny-chat");
    assertThat(report.get("max_tokens").asInt()).isEqualTo(8);
    assertThat(report.get("failed_requests").asLong()).isZero();
    JsonNode levels = report.get("levels");
    assertThat(levels).hasSize(2);
    for (int i = 0; i < 2; i++) {
      JsonNode level = levels.get(i);
      assertThat(level.get("clients").asInt()).isEqualTo(i + 1);
      assertThat(level.get("requests").asInt()).isEqualTo(4);
      assertThat(level.get("failed").asInt()).isZero();
      // at most max_tokens per request, at least one
      assertThat(level.get("completion_tokens").asLong()).isBetween(1L, 32L);
      double p50 = level.get("latency_p50_ms").asDouble();
      assertThat(p50).isPositive();
      assertThat(level.get("latency_p99_ms").asDouble()).isGreaterThanOrEqualTo(p50);
      double ttft = level.get("ttft_p50_ms").asDouble();
      assertThat(ttft).isPositive();
      assertThat(level.get("ttft_p99_ms").asDouble())
          .isGreaterThanOrEqualTo(ttft)
          .isLessThanOrEqualTo(level.get("latency_p99_ms").asDouble());
      assertThat(level.get("tokens_per_second").asDouble()).isPositive();
      assertThat(level.get("raw_tokens_per_second").asDouble()).isPositive();
      assertThat(level.get("http_raw_ratio").asDouble())
          .isCloseTo(
              level.get("tokens_per_second").asDouble()
                  / level.get("raw_tokens_per_second").asDouble(),
              org.assertj.core.api.Assertions.within(1e-9));
      // the server's batch never holds more rows than clients; its steps took part of the level
      assertThat(level.get("mean_batch_rows").asDouble())
          .isGreaterThan(0)
          .isLessThanOrEqualTo(i + 1);
      assertThat(level.get("decode_step_share").asDouble()).isGreaterThan(0).isLessThanOrEqualTo(1);
      // a JVM with the model, serving and a broker client holds more than 100 MiB
      assertThat(level.get("rss_bytes").asLong()).isGreaterThan(100L << 20);
    }
    assertThat(report.get("scaling").asDouble())
        .isCloseTo(
            levels.get(1).get("tokens_per_second").asDouble()
                / levels.get(0).get("tokens_per_second").asDouble(),
            org.assertj.core.api.Assertions.within(1e-9));
    assertThat(report.get("rss_bytes_at_most_clients").asLong())
        .isEqualTo(levels.get(1).get("rss_bytes").asLong());
    JsonNode swap = report.get("swap");
    assertThat(swap.get("swaps").asInt()).isEqualTo(1);
    assertThat(swap.get("adapter_bytes_each").asLong()).isGreaterThan(10_000);
    assertThat(swap.get("read_to_live_ms")).hasSize(1);
    assertThat(swap.get("read_to_live_mean_ms").asDouble()).isPositive();
    assertThat(swap.get("commit_to_live_mean_ms").asDouble()).isPositive();
  }
}
