package dev.feedloop.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.schemas.rules.RecordLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class StreamsSettingsTest {

  private static final Path STATE = Path.of("runs/local/streams");

  @Test
  void defaultsAreExactlyOnceWithDocumentedWindows() {
    StreamsSettings settings = StreamsSettings.fromEnvironment(Map.of(), STATE);

    assertThat(settings.applicationId()).isEqualTo("feedloop-feedback-streams");
    assertThat(settings.processingGuarantee()).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
    assertThat(settings.joinWindow()).isEqualTo(Duration.ofHours(1));
    assertThat(settings.pairingWindow()).isEqualTo(Duration.ofMinutes(5));
    assertThat(settings.grace()).isEqualTo(Duration.ofSeconds(30));
    assertThat(settings.userCap()).isEqualTo(200);
    assertThat(settings.stateDirectory()).isEqualTo(STATE);
    assertThat(settings.recordLimits()).isEqualTo(RecordLimits.defaults());
    assertThat(settings.wallClockInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(settings.liveLag()).isEqualTo(Duration.ofMinutes(1));
    assertThat(settings.settleWindow()).isEqualTo(Duration.ofMinutes(5).plusSeconds(30));
  }

  @Test
  void durationsFollowTheOneGrammarAndZeroTurnsTheWallClockOff() {
    StreamsSettings settings =
        StreamsSettings.fromEnvironment(
            Map.of(
                "FEEDLOOP_STREAMS_USER_CAP_WINDOW", "1d",
                "FEEDLOOP_STREAMS_WALL_CLOCK_INTERVAL", "0",
                "FEEDLOOP_STREAMS_LIVE_LAG", "2m",
                "FEEDLOOP_STREAMS_GRACE", "PT1M"),
            STATE);

    assertThat(settings.liveLag()).isEqualTo(Duration.ofMinutes(2));
    assertThatThrownBy(
            () -> StreamsSettings.fromEnvironment(Map.of("FEEDLOOP_STREAMS_LIVE_LAG", "0"), STATE))
        .hasMessageContaining("live lag");

    assertThat(settings.userCapWindow()).isEqualTo(Duration.ofDays(1));
    assertThat(settings.wallClockInterval()).isZero();
    assertThat(settings.grace()).isEqualTo(Duration.ofMinutes(1));
    assertThatThrownBy(
            () ->
                StreamsSettings.fromEnvironment(
                    Map.of("FEEDLOOP_STREAMS_WALL_CLOCK_INTERVAL", "-1s"), STATE))
        .hasMessageContaining("FEEDLOOP_STREAMS_WALL_CLOCK_INTERVAL='-1s'");
  }

  @Test
  void aCopyChangesOnlyWhatItNames() {
    StreamsSettings defaults = StreamsSettings.defaults("", STATE);

    StreamsSettings changed = defaults.toBuilder().threads(4).build();

    assertThat(changed.threads()).isEqualTo(4);
    assertThat(changed.toBuilder().threads(defaults.threads()).build()).isEqualTo(defaults);
  }

  @Test
  void everyFieldIsOverriddenByItsEnvironmentVariable() {
    Map<String, String> environment =
        Map.ofEntries(
            Map.entry("FEEDLOOP_TOPIC_PREFIX", "exp1."),
            Map.entry("FEEDLOOP_STREAMS_STATE_DIR", "/var/lib/streams"),
            Map.entry("FEEDLOOP_STREAMS_PROCESSING_GUARANTEE", "AT_LEAST_ONCE"),
            Map.entry("FEEDLOOP_STREAMS_JOIN_WINDOW", "2h"),
            Map.entry("FEEDLOOP_STREAMS_GRACE", "500ms"),
            Map.entry("FEEDLOOP_STREAMS_PAIRING_WINDOW", "PT90S"),
            Map.entry("FEEDLOOP_STREAMS_USER_CAP", "50"),
            Map.entry("FEEDLOOP_STREAMS_USER_CAP_WINDOW", "1d"),
            Map.entry("FEEDLOOP_STREAMS_SIMILARITY_THRESHOLD", "0.8"),
            Map.entry("FEEDLOOP_STREAMS_MAX_PROMPT_CHARS", "1000"),
            Map.entry("FEEDLOOP_STREAMS_MAX_COMPLETION_CHARS", "500"),
            Map.entry("FEEDLOOP_STREAMS_REPLICATION_FACTOR", "2"),
            Map.entry("FEEDLOOP_STREAMS_THREADS", "3"),
            Map.entry("FEEDLOOP_STREAMS_METRICS_INTERVAL", "10s"),
            Map.entry("FEEDLOOP_STREAMS_MAX_TASK_IDLE", "250ms"),
            Map.entry("FEEDLOOP_STREAMS_WALL_CLOCK_INTERVAL", "2s"));

    StreamsSettings settings = StreamsSettings.fromEnvironment(environment, STATE);

    assertThat(settings)
        .isEqualTo(
            StreamsSettings.builder("exp1.", Path.of("/var/lib/streams"))
                .processingGuarantee("at_least_once")
                .joinWindow(Duration.ofHours(2))
                .grace(Duration.ofMillis(500))
                .pairingWindow(Duration.ofSeconds(90))
                .userCap(50)
                .userCapWindow(Duration.ofDays(1))
                .recordLimits(
                    RecordLimits.builder()
                        .similarityThreshold(0.8)
                        .maxPromptChars(1000)
                        .maxCompletionChars(500)
                        .build())
                .replicationFactor(2)
                .threads(3)
                .metricsInterval(Duration.ofSeconds(10))
                .maxTaskIdle(Duration.ofMillis(250))
                .wallClockInterval(Duration.ofSeconds(2))
                .build());
    assertThat(
            StreamsSettings.fromEnvironment(
                    Map.of("FEEDLOOP_STREAMS_APPLICATION_ID", "mine"), STATE)
                .applicationId())
        .isEqualTo("mine");
  }

  @Test
  void aBadValueNamesItsVariable() {
    assertThatThrownBy(
            () ->
                StreamsSettings.fromEnvironment(
                    Map.of("FEEDLOOP_STREAMS_JOIN_WINDOW", "soon"), STATE))
        .hasMessageContaining("FEEDLOOP_STREAMS_JOIN_WINDOW='soon'");
    assertThatThrownBy(
            () ->
                StreamsSettings.fromEnvironment(
                    Map.of("FEEDLOOP_STREAMS_SIMILARITY_THRESHOLD", "1.5"), STATE))
        .hasMessageContaining("similarity threshold");
    assertThatThrownBy(
            () ->
                StreamsSettings.fromEnvironment(
                    Map.of("FEEDLOOP_STREAMS_PROCESSING_GUARANTEE", "exactly_once"), STATE))
        .hasMessageContaining("processing guarantee");
  }

  @Test
  void replicationFollowsTheClusterUnlessSet() {
    StreamsSettings auto = StreamsSettings.defaults("", STATE);

    assertThat(auto.effectiveReplicationFactor(1)).isEqualTo(1);
    assertThat(auto.effectiveReplicationFactor(5)).isEqualTo(3);
    Map<String, Object> config =
        auto.streamsConfig(
            KafkaClientSettings.fromEnvironment(
                "b:9092", Map.of("KAFKA_CLIENT_SECURITY_PROTOCOL", "SSL")),
            1);
    assertThat(config)
        .containsEntry(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1)
        .containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2")
        .containsEntry("security.protocol", "SSL")
        .containsEntry(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "b:9092");
  }
}
