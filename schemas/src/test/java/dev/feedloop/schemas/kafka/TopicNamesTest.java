package dev.feedloop.schemas.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

class TopicNamesTest {

  @Test
  void defaultsAreTheDesignNames() {
    TopicNames names = TopicNames.defaults();
    assertThat(names.generations()).isEqualTo("generations");
    assertThat(names.preferencePairs()).isEqualTo("preference-pairs");
    assertThat(names.deadLetter()).isEqualTo("dead-letter");
  }

  @Test
  void environmentPrefixesAllNamesAndOverridesOne() {
    TopicNames names =
        TopicNames.fromEnvironment(
            Map.of("FEEDLOOP_TOPIC_PREFIX", "staging.", "FEEDLOOP_TOPIC_DEAD_LETTER", "dlq"));
    assertThat(names.feedback()).isEqualTo("staging.feedback");
    assertThat(names.adapters()).isEqualTo("staging.adapters");
    assertThat(names.deadLetter()).isEqualTo("dlq");
  }

  @Test
  void catalogCompactsOnlyAdaptersAndGivesThemOnePartition() {
    var specs = TopicSpec.catalog(TopicNames.withPrefix("t."), 4, java.time.Duration.ofDays(2));
    assertThat(specs).hasSize(Topic.values().length);
    for (TopicSpec spec : specs) {
      boolean adapters = spec.topic() == Topic.ADAPTERS;
      assertThat(spec.configs().get(TopicConfig.CLEANUP_POLICY_CONFIG))
          .isEqualTo(
              adapters ? TopicConfig.CLEANUP_POLICY_COMPACT : TopicConfig.CLEANUP_POLICY_DELETE);
      assertThat(spec.partitions()).isEqualTo(adapters ? 1 : 4);
      assertThat(spec.name()).startsWith("t.");
      if (!adapters) {
        assertThat(spec.configs())
            .containsEntry(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(2L * 24 * 3600 * 1000));
      }
    }
  }

  @Test
  void clientSettingsTurnPrefixedVariablesIntoProperties() {
    Map<String, String> env =
        Map.of(
            "KAFKA_BOOTSTRAP_SERVERS", " broker-1:9092,broker-2:9092 ",
            "KAFKA_CLIENT_SECURITY_PROTOCOL", "SASL_SSL",
            "KAFKA_CLIENT_SASL_MECHANISM", "PLAIN",
            "PATH", "/usr/bin");

    String servers = KafkaClientSettings.externalBootstrapServers(env).orElseThrow();
    KafkaClientSettings settings = KafkaClientSettings.fromEnvironment(servers, env);

    assertThat(settings.clientConfig())
        .containsEntry("bootstrap.servers", "broker-1:9092,broker-2:9092")
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.mechanism", "PLAIN")
        .hasSize(3);
  }

  @Test
  void blankBootstrapServersMeanNoExternalCluster() {
    assertThat(
            KafkaClientSettings.externalBootstrapServers(Map.of("KAFKA_BOOTSTRAP_SERVERS", "  ")))
        .isEmpty();
    assertThatThrownBy(() -> KafkaClientSettings.of(" "))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
