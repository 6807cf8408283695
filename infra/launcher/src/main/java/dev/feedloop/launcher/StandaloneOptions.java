package dev.feedloop.launcher;

import dev.feedloop.schemas.kafka.KafkaClientSettings;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * What a component run on its own ({@code serve}, {@code train}) needs: its cluster and run time.
 */
final class StandaloneOptions {

  @Option(
      names = "--bootstrap-servers",
      defaultValue = "${env:KAFKA_BOOTSTRAP_SERVERS}",
      description =
          "The Kafka cluster (env KAFKA_BOOTSTRAP_SERVERS); localhost:9092 when neither is set.")
  String bootstrapServers;

  @Option(
      names = "--duration",
      defaultValue = "0",
      converter = FeedloopCommand.DurationConverter.class,
      description = "Stop after this long, e.g. 90s or 10m; 0 runs until interrupted.")
  Duration duration;

  /** The option, else KAFKA_BOOTSTRAP_SERVERS, else localhost:9092. */
  String bootstrapServers(Map<String, String> environment) {
    return KafkaClientSettings.bootstrapServers(bootstrapServers, environment);
  }
}
