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
    assertThat(names.evaluations()).isEqualTo("evaluations");
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
      boolean trainerState =
          spec.topic() == Topic.TRAINER_STATE || spec.topic() == Topic.TRAINER_STATE_CHUNKS;
      boolean compacted = adapters || spec.topic() == Topic.ADAPTER_WEIGHTS || trainerState;
      boolean forever = spec.topic() == Topic.ADAPTER_COMMANDS;
      assertThat(spec.configs().get(TopicConfig.CLEANUP_POLICY_CONFIG))
          .isEqualTo(
              compacted ? TopicConfig.CLEANUP_POLICY_COMPACT : TopicConfig.CLEANUP_POLICY_DELETE);
      assertThat(spec.partitions()).isEqualTo(adapters || forever || trainerState ? 1 : 4);
      assertThat(spec.name()).startsWith("t.");
      if (forever) {
        assertThat(spec.configs()).containsEntry(TopicConfig.RETENTION_MS_CONFIG, "-1");
      } else if (!compacted) {
        assertThat(spec.configs())
            .containsEntry(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(2L * 24 * 3600 * 1000));
      }
    }
  }

  @Test
  void adapterTopicsHaveDefaultNamesAndRenames() {
    assertThat(TopicNames.defaults().adapterWeights()).isEqualTo("adapter-weights");
    assertThat(TopicNames.defaults().adapterCommands()).isEqualTo("adapter-commands");
    TopicNames names =
        TopicNames.fromEnvironment(
            Map.of(
                "FEEDLOOP_TOPIC_PREFIX", "p.", "FEEDLOOP_TOPIC_ADAPTER_WEIGHTS", "weights-blob"));
    assertThat(names.adapterWeights()).isEqualTo("weights-blob");
    assertThat(names.adapterCommands()).isEqualTo("p.adapter-commands");
  }

  @Test
  void adapterKeysAreUniquePerVersionAndChunk() {
    var v3 = dev.feedloop.schemas.SampleEvents.adapter();
    v3.setVersion(3L);
    var v4 = dev.feedloop.schemas.SampleEvents.adapter();
    assertThat(TopicKeys.of(v3)).isEqualTo("tiny-chat@3");
    assertThat(TopicKeys.of(v4)).isEqualTo("tiny-chat@4");
    assertThat(TopicKeys.of(dev.feedloop.schemas.SampleEvents.adapterChunk()))
        .isEqualTo("tiny-chat@4#1");
    assertThat(TopicKeys.of(dev.feedloop.schemas.SampleEvents.adapterCommand()))
        .isEqualTo("tiny-chat");
  }

  @Test
  void trainerCheckpointsAreKeyedByModelAndTheirChunksByIndex() {
    assertThat(TopicKeys.of(dev.feedloop.schemas.SampleEvents.trainerCheckpoint()))
        .isEqualTo("tiny-chat");
    assertThat(TopicKeys.of(dev.feedloop.schemas.SampleEvents.trainerStateChunk()))
        .isEqualTo("tiny-chat#0");
    assertThat(TopicNames.defaults().trainerState()).isEqualTo("trainer-state");
    assertThat(TopicNames.defaults().trainerStateChunks()).isEqualTo("trainer-state-chunks");
    assertThat(TopicKeys.of(dev.feedloop.schemas.SampleEvents.refusedWindowMetrics()))
        .isEqualTo("run-2026-11-22");
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
