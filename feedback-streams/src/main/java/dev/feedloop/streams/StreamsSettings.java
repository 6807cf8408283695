package dev.feedloop.streams;

import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.schemas.rules.RecordLimits;
import dev.feedloop.schemas.settings.Durations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * What an operator tunes in the feedback topology, built by name:
 *
 * <pre>{@code
 * StreamsSettings.builder(topicPrefix, stateDirectory).joinWindow(Duration.ofMinutes(10)).build()
 * }</pre>
 *
 * Every field has a FEEDLOOP_STREAMS_* environment variable (see {@link #fromEnvironment}); the
 * README's Settings table lists them.
 *
 * @param applicationId Kafka Streams application id: consumer group, internal topic prefix, state
 *     directory name
 * @param stateDirectory where the persistent (RocksDB) state stores live
 * @param processingGuarantee exactly_once_v2 (default) or at_least_once
 * @param joinWindow largest time between a generation and feedback on it, in either order
 * @param grace how late (in event time) a record may arrive after its window and still count
 * @param pairingWindow how long a user's vote on a generation may still change before it settles;
 *     also the largest time between an up-vote and a down-vote that pair up
 * @param userCap most training records one user may contribute per {@code userCapWindow}
 * @param userCapWindow the tumbling window of the per-user cap
 * @param recordLimits the content limits of a training record (near-identical pair similarity, max
 *     prompt and completion chars), the same rule the trainer's import applies
 * @param replicationFactor replication of internal topics; 0 picks min(3, brokers)
 * @param threads stream threads of this instance
 * @param metricsInterval how often the app logs its metrics line
 * @param maxTaskIdle how long a task waits for data on all of its input partitions before it
 *     processes what it has out of timestamp order (Kafka Streams' max.task.idle.ms); event-time
 *     windows are only as good as this ordering
 * @param wallClockInterval how often a task that receives no input lets its deadlines follow the
 *     wall clock (see {@link FeedbackTopology}: wall-clock liveness); 0 turns that off, and windows
 *     then close only as new input advances stream time
 * @param liveLag the wall clock carries a quiet task's deadlines only while the task is live: its
 *     last input arrived at most this long (wall clock) after that input's event time. A task that
 *     is catching up on a backlog or replaying old records is not live, and its deadlines wait for
 *     stream time, so a pause in a replay never settles votes early.
 */
public record StreamsSettings(
    String applicationId,
    Path stateDirectory,
    String processingGuarantee,
    Duration joinWindow,
    Duration grace,
    Duration pairingWindow,
    int userCap,
    Duration userCapWindow,
    RecordLimits recordLimits,
    int replicationFactor,
    int threads,
    Duration metricsInterval,
    Duration maxTaskIdle,
    Duration wallClockInterval,
    Duration liveLag) {

  public static final String ENV_PREFIX = "FEEDLOOP_STREAMS_";

  public StreamsSettings {
    Objects.requireNonNull(applicationId, "applicationId");
    Objects.requireNonNull(stateDirectory, "stateDirectory");
    Objects.requireNonNull(recordLimits, "recordLimits");
    if (!applicationId.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException(
          "application id may hold only letters, digits, '.', '_' and '-': " + applicationId);
    }
    if (!processingGuarantee.equals(StreamsConfig.EXACTLY_ONCE_V2)
        && !processingGuarantee.equals(StreamsConfig.AT_LEAST_ONCE)) {
      throw new IllegalArgumentException(
          "processing guarantee must be "
              + StreamsConfig.EXACTLY_ONCE_V2
              + " or "
              + StreamsConfig.AT_LEAST_ONCE
              + ": "
              + processingGuarantee);
    }
    requirePositive("join window", joinWindow);
    requirePositive("pairing window", pairingWindow);
    requirePositive("user cap window", userCapWindow);
    requirePositive("metrics interval", metricsInterval);
    requirePositive("live lag", liveLag);
    if (grace.isNegative() || maxTaskIdle.isNegative() || wallClockInterval.isNegative()) {
      throw new IllegalArgumentException(
          "grace, max task idle and wall-clock interval must not be negative: "
              + grace
              + ", "
              + maxTaskIdle
              + ", "
              + wallClockInterval);
    }
    if (userCap < 1 || threads < 1 || replicationFactor < 0) {
      throw new IllegalArgumentException(
          "user cap and threads must be positive, replication factor 0 (auto) or more");
    }
  }

  private static void requirePositive(String what, Duration duration) {
    if (duration == null || duration.isZero() || duration.isNegative()) {
      throw new IllegalArgumentException(what + " must be positive: " + duration);
    }
  }

  /**
   * Settings for a loop whose topics carry the given prefix (several loops share a cluster), with
   * every field at its default until set.
   */
  public static Builder builder(String topicPrefix, Path stateDirectory) {
    return new Builder(topicPrefix + "feedloop-feedback-streams", stateDirectory);
  }

  /** The defaults for a loop whose topics carry the given prefix. */
  public static StreamsSettings defaults(String topicPrefix, Path stateDirectory) {
    return builder(topicPrefix, stateDirectory).build();
  }

  /** A builder holding these settings, to change some of them. */
  public Builder toBuilder() {
    return new Builder(applicationId, stateDirectory)
        .processingGuarantee(processingGuarantee)
        .joinWindow(joinWindow)
        .grace(grace)
        .pairingWindow(pairingWindow)
        .userCap(userCap)
        .userCapWindow(userCapWindow)
        .recordLimits(recordLimits)
        .replicationFactor(replicationFactor)
        .threads(threads)
        .metricsInterval(metricsInterval)
        .maxTaskIdle(maxTaskIdle)
        .wallClockInterval(wallClockInterval)
        .liveLag(liveLag);
  }

  /**
   * How long after a user's first vote on a generation that user's votes settle: the pairing window
   * plus grace, in event time.
   */
  public Duration settleWindow() {
    return pairingWindow.plus(grace);
  }

  /**
   * Defaults overridden by FEEDLOOP_STREAMS_&lt;FIELD&gt; variables, e.g.
   * FEEDLOOP_STREAMS_JOIN_WINDOW=2h, FEEDLOOP_STREAMS_USER_CAP=50. Durations follow {@link
   * Durations}: 500ms, 90s, 10m, 2h, 1d or ISO-8601 (PT90S).
   */
  public static StreamsSettings fromEnvironment(
      Map<String, String> environment, Path defaultStateDirectory) {
    StreamsSettings d =
        defaults(environment.getOrDefault("FEEDLOOP_TOPIC_PREFIX", ""), defaultStateDirectory);
    Reader env = new Reader(environment);
    RecordLimits limits = d.recordLimits();
    return new Builder(
            env.get("APPLICATION_ID", Function.identity(), d.applicationId()),
            env.get("STATE_DIR", Path::of, d.stateDirectory()))
        .processingGuarantee(
            env.get(
                "PROCESSING_GUARANTEE", v -> v.toLowerCase(Locale.ROOT), d.processingGuarantee()))
        .joinWindow(env.get("JOIN_WINDOW", Durations::parse, d.joinWindow()))
        .grace(env.get("GRACE", Durations::parse, d.grace()))
        .pairingWindow(env.get("PAIRING_WINDOW", Durations::parse, d.pairingWindow()))
        .userCap(env.get("USER_CAP", Integer::parseInt, d.userCap()))
        .userCapWindow(env.get("USER_CAP_WINDOW", Durations::parse, d.userCapWindow()))
        .recordLimits(
            RecordLimits.builder()
                .similarityThreshold(
                    env.get(
                        "SIMILARITY_THRESHOLD", Double::parseDouble, limits.similarityThreshold()))
                .maxPromptChars(
                    env.get("MAX_PROMPT_CHARS", Integer::parseInt, limits.maxPromptChars()))
                .maxCompletionChars(
                    env.get("MAX_COMPLETION_CHARS", Integer::parseInt, limits.maxCompletionChars()))
                .build())
        .replicationFactor(
            env.get(
                "REPLICATION_FACTOR",
                v -> v.equalsIgnoreCase("auto") ? 0 : Integer.parseInt(v),
                d.replicationFactor()))
        .threads(env.get("THREADS", Integer::parseInt, d.threads()))
        .metricsInterval(env.get("METRICS_INTERVAL", Durations::parse, d.metricsInterval()))
        .maxTaskIdle(env.get("MAX_TASK_IDLE", Durations::parse, d.maxTaskIdle()))
        .wallClockInterval(env.get("WALL_CLOCK_INTERVAL", Durations::parse, d.wallClockInterval()))
        .liveLag(env.get("LIVE_LAG", Durations::parse, d.liveLag()))
        .build();
  }

  /**
   * Kafka Streams configuration for these settings on the given cluster with {@code brokers}
   * brokers.
   */
  public Map<String, Object> streamsConfig(KafkaClientSettings kafka, int brokers) {
    Map<String, Object> config = new HashMap<>(kafka.clientConfig());
    config.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    config.put(StreamsConfig.STATE_DIR_CONFIG, stateDirectory.toAbsolutePath().toString());
    config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, processingGuarantee);
    config.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
    config.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, effectiveReplicationFactor(brokers));
    config.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, maxTaskIdle.toMillis());
    // the topology's own dead-letter routing handles bad input; nothing should be skipped silently
    config.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    config.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
    // opts in to the Kafka 5.0 default now, which also silences a warning at every start
    config.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    return config;
  }

  public int effectiveReplicationFactor(int brokers) {
    return replicationFactor > 0 ? replicationFactor : Math.max(1, Math.min(3, brokers));
  }

  /** Builds {@link StreamsSettings} by name; every field starts at its documented default. */
  public static final class Builder {
    private String applicationId;
    private Path stateDirectory;
    private String processingGuarantee = StreamsConfig.EXACTLY_ONCE_V2;
    private Duration joinWindow = Duration.ofHours(1);
    private Duration grace = Duration.ofSeconds(30);
    private Duration pairingWindow = Duration.ofMinutes(5);
    private int userCap = 200;
    private Duration userCapWindow = Duration.ofHours(1);
    private RecordLimits recordLimits = RecordLimits.defaults();
    private int replicationFactor = 0;
    private int threads = 1;
    private Duration metricsInterval = Duration.ofMinutes(1);
    private Duration maxTaskIdle = Duration.ofSeconds(1);
    private Duration wallClockInterval = Duration.ofSeconds(5);
    private Duration liveLag = Duration.ofMinutes(1);

    private Builder(String applicationId, Path stateDirectory) {
      this.applicationId = applicationId;
      this.stateDirectory = stateDirectory;
    }

    public Builder applicationId(String value) {
      this.applicationId = value;
      return this;
    }

    public Builder stateDirectory(Path value) {
      this.stateDirectory = value;
      return this;
    }

    public Builder processingGuarantee(String value) {
      this.processingGuarantee = value;
      return this;
    }

    public Builder joinWindow(Duration value) {
      this.joinWindow = value;
      return this;
    }

    public Builder grace(Duration value) {
      this.grace = value;
      return this;
    }

    public Builder pairingWindow(Duration value) {
      this.pairingWindow = value;
      return this;
    }

    public Builder userCap(int value) {
      this.userCap = value;
      return this;
    }

    public Builder userCapWindow(Duration value) {
      this.userCapWindow = value;
      return this;
    }

    public Builder recordLimits(RecordLimits value) {
      this.recordLimits = value;
      return this;
    }

    public Builder replicationFactor(int value) {
      this.replicationFactor = value;
      return this;
    }

    public Builder threads(int value) {
      this.threads = value;
      return this;
    }

    public Builder metricsInterval(Duration value) {
      this.metricsInterval = value;
      return this;
    }

    public Builder maxTaskIdle(Duration value) {
      this.maxTaskIdle = value;
      return this;
    }

    public Builder wallClockInterval(Duration value) {
      this.wallClockInterval = value;
      return this;
    }

    public Builder liveLag(Duration value) {
      this.liveLag = value;
      return this;
    }

    public StreamsSettings build() {
      return new StreamsSettings(
          applicationId,
          stateDirectory,
          processingGuarantee,
          joinWindow,
          grace,
          pairingWindow,
          userCap,
          userCapWindow,
          recordLimits,
          replicationFactor,
          threads,
          metricsInterval,
          maxTaskIdle,
          wallClockInterval,
          liveLag);
    }
  }

  private record Reader(Map<String, String> environment) {
    <T> T get(String field, Function<String, T> parse, T fallback) {
      String variable = ENV_PREFIX + field;
      String value = environment.get(variable);
      if (value == null || value.isBlank()) {
        return fallback;
      }
      try {
        return parse.apply(value.strip());
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            variable + "='" + value + "' is invalid: " + e.getMessage(), e);
      }
    }
  }
}
