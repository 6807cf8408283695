package dev.feedloop.trainer.cli;

import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.schemas.kafka.TopicNames;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Which cluster and topics a command writes to: the loop's environment variables
 * (KAFKA_BOOTSTRAP_SERVERS, KAFKA_CLIENT_*, FEEDLOOP_TOPIC_PREFIX, FEEDLOOP_TOPIC_&lt;TOPIC&gt;) as
 * every component reads them, with options that take precedence.
 */
final class KafkaOptions {

  @Option(
      names = "--bootstrap-servers",
      paramLabel = "HOST:PORT,...",
      defaultValue = "${env:KAFKA_BOOTSTRAP_SERVERS}",
      description =
          "The Kafka cluster (default: $KAFKA_BOOTSTRAP_SERVERS). KAFKA_CLIENT_<PROPERTY> variables"
              + " add client properties, e.g. KAFKA_CLIENT_SECURITY_PROTOCOL=SASL_SSL.")
  String bootstrapServers;

  @Option(
      names = "--topic-prefix",
      paramLabel = "PREFIX",
      description =
          "Prefixes every default topic name (default: $FEEDLOOP_TOPIC_PREFIX, else none);"
              + " FEEDLOOP_TOPIC_<TOPIC> variables rename single topics.")
  String topicPrefix;

  KafkaClientSettings kafka() {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException(
          "no Kafka cluster: set KAFKA_BOOTSTRAP_SERVERS or pass --bootstrap-servers");
    }
    return KafkaClientSettings.fromEnvironment(bootstrapServers.strip(), System.getenv());
  }

  TopicNames topics() {
    Map<String, String> environment = new HashMap<>(System.getenv());
    if (topicPrefix != null) {
      environment.put("FEEDLOOP_TOPIC_PREFIX", topicPrefix);
    }
    return TopicNames.fromEnvironment(environment);
  }
}
