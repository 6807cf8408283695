package dev.feedloop.streams;

import dev.feedloop.schemas.kafka.KafkaClientSettings;
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
 * What an operator tunes in the feedback topology. Every field has a FEEDLOOP_STREAMS_* environment
 * variable (see {@link #fromEnvironment}); the README's Settings table lists them.
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
 * @param similarityThreshold a pair whose chosen and rejected texts have a character-trigram
 *     Jaccard similarity at or above this (0..1] is near-identical and rejected
 * @param maxPromptChars longest accepted prompt (all message contents together)
 * @param maxCompletionChars longest accepted completion, chosen or rejected text
 * @param replicationFactor replication of internal topics; 0 picks min(3, brokers)
 * @param threads stream threads of this instance
 * @param metricsInterval how often the app logs its metrics line
 * @param maxTaskIdle how long a task waits for data on all of its input partitions before it
 *     processes what it has out of timestamp order (Kafka Streams' max.task.idle.ms); event-time
 *     windows are only as good as this ordering
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
    double similarityThreshold,
    int maxPromptChars,
    int maxCompletionChars,
    int replicationFactor,
    int threads,
    Duration metricsInterval,
    Duration maxTaskIdle) {

  public static final String ENV_PREFIX = "FEEDLOOP_STREAMS_";

  public StreamsSettings {
    Objects.requireNonNull(applicationId, "applicationId");
    Objects.requireNonNull(stateDirectory, "stateDirectory");
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
    if (grace.isNegative() || maxTaskIdle.isNegative()) {
      throw new IllegalArgumentException(
          "grace and max task idle must not be negative: " + grace + ", " + maxTaskIdle);
    }
    if (userCap < 1
        || maxPromptChars < 1
        || maxCompletionChars < 1
        || threads < 1
        || replicationFactor < 0) {
      throw new IllegalArgumentException(
          "user cap, max lengths and threads must be positive, replication factor 0 (auto) or more");
    }
    if (!(similarityThreshold > 0 && similarityThreshold <= 1)) {
      throw new IllegalArgumentException(
          "similarity threshold must be in (0, 1]: " + similarityThreshold);
    }
  }

  private static void requirePositive(String what, Duration duration) {
    if (duration == null || duration.isZero() || duration.isNegative()) {
      throw new IllegalArgumentException(what + " must be positive: " + duration);
    }
  }

  /** Defaults for a loop whose topics carry the given prefix (several loops share a cluster). */
  public static StreamsSettings defaults(String topicPrefix, Path stateDirectory) {
    return new StreamsSettings(
        topicPrefix + "feedloop-feedback-streams",
        stateDirectory,
        StreamsConfig.EXACTLY_ONCE_V2,
        Duration.ofHours(1),
        Duration.ofSeconds(30),
        Duration.ofMinutes(5),
        200,
        Duration.ofHours(1),
        0.9,
        16_000,
        8_000,
        0,
        1,
        Duration.ofMinutes(1),
        Duration.ofSeconds(1));
  }

  /**
   * Defaults overridden by FEEDLOOP_STREAMS_&lt;FIELD&gt; variables, e.g.
   * FEEDLOOP_STREAMS_JOIN_WINDOW=2h, FEEDLOOP_STREAMS_USER_CAP=50. Durations read 500ms, 90s, 10m,
   * 2h, 1d or ISO-8601 (PT90S).
   */
  public static StreamsSettings fromEnvironment(
      Map<String, String> environment, Path defaultStateDirectory) {
    StreamsSettings d =
        defaults(environment.getOrDefault("FEEDLOOP_TOPIC_PREFIX", ""), defaultStateDirectory);
    Reader env = new Reader(environment);
    return new StreamsSettings(
        env.get("APPLICATION_ID", Function.identity(), d.applicationId()),
        env.get("STATE_DIR", Path::of, d.stateDirectory()),
        env.get("PROCESSING_GUARANTEE", v -> v.toLowerCase(Locale.ROOT), d.processingGuarantee()),
        env.get("JOIN_WINDOW", StreamsSettings::parseDuration, d.joinWindow()),
        env.get("GRACE", StreamsSettings::parseDuration, d.grace()),
        env.get("PAIRING_WINDOW", StreamsSettings::parseDuration, d.pairingWindow()),
        env.get("USER_CAP", Integer::parseInt, d.userCap()),
        env.get("USER_CAP_WINDOW", StreamsSettings::parseDuration, d.userCapWindow()),
        env.get("SIMILARITY_THRESHOLD", Double::parseDouble, d.similarityThreshold()),
        env.get("MAX_PROMPT_CHARS", Integer::parseInt, d.maxPromptChars()),
        env.get("MAX_COMPLETION_CHARS", Integer::parseInt, d.maxCompletionChars()),
        env.get(
            "REPLICATION_FACTOR",
            v -> v.equalsIgnoreCase("auto") ? 0 : Integer.parseInt(v),
            d.replicationFactor()),
        env.get("THREADS", Integer::parseInt, d.threads()),
        env.get("METRICS_INTERVAL", StreamsSettings::parseDuration, d.metricsInterval()),
        env.get("MAX_TASK_IDLE", StreamsSettings::parseDuration, d.maxTaskIdle()));
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

  public StreamsSettings withApplicationId(String id) {
    return new StreamsSettings(
        id,
        stateDirectory,
        processingGuarantee,
        joinWindow,
        grace,
        pairingWindow,
        userCap,
        userCapWindow,
        similarityThreshold,
        maxPromptChars,
        maxCompletionChars,
        replicationFactor,
        threads,
        metricsInterval,
        maxTaskIdle);
  }

  public StreamsSettings withThreads(int streamThreads) {
    return new StreamsSettings(
        applicationId,
        stateDirectory,
        processingGuarantee,
        joinWindow,
        grace,
        pairingWindow,
        userCap,
        userCapWindow,
        similarityThreshold,
        maxPromptChars,
        maxCompletionChars,
        replicationFactor,
        streamThreads,
        metricsInterval,
        maxTaskIdle);
  }

  public StreamsSettings withWindows(Duration join, Duration pairing, Duration lateness) {
    return new StreamsSettings(
        applicationId,
        stateDirectory,
        processingGuarantee,
        join,
        lateness,
        pairing,
        userCap,
        userCapWindow,
        similarityThreshold,
        maxPromptChars,
        maxCompletionChars,
        replicationFactor,
        threads,
        metricsInterval,
        maxTaskIdle);
  }

  public StreamsSettings withUserCap(int cap, Duration window) {
    return new StreamsSettings(
        applicationId,
        stateDirectory,
        processingGuarantee,
        joinWindow,
        grace,
        pairingWindow,
        cap,
        window,
        similarityThreshold,
        maxPromptChars,
        maxCompletionChars,
        replicationFactor,
        threads,
        metricsInterval,
        maxTaskIdle);
  }

  public StreamsSettings withLimits(double similarity, int promptChars, int completionChars) {
    return new StreamsSettings(
        applicationId,
        stateDirectory,
        processingGuarantee,
        joinWindow,
        grace,
        pairingWindow,
        userCap,
        userCapWindow,
        similarity,
        promptChars,
        completionChars,
        replicationFactor,
        threads,
        metricsInterval,
        maxTaskIdle);
  }

  public StreamsSettings withProcessingGuarantee(String guarantee) {
    return new StreamsSettings(
        applicationId,
        stateDirectory,
        guarantee,
        joinWindow,
        grace,
        pairingWindow,
        userCap,
        userCapWindow,
        similarityThreshold,
        maxPromptChars,
        maxCompletionChars,
        replicationFactor,
        threads,
        metricsInterval,
        maxTaskIdle);
  }

  /** Accepts 500ms, 90s, 10m, 2h, 1d or an ISO-8601 duration such as PT90S. */
  public static Duration parseDuration(String value) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    if (v.startsWith("pt") || v.startsWith("p")) {
      return Duration.parse(v.toUpperCase(Locale.ROOT));
    }
    var matcher = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h|d)").matcher(v);
    if (!matcher.matches()) {
      throw new IllegalArgumentException(
          "'" + value + "' is not a duration: use e.g. 500ms, 90s, 10m, 2h, 1d or PT90S");
    }
    long amount = Long.parseLong(matcher.group(1));
    return switch (matcher.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      case "h" -> Duration.ofHours(amount);
      default -> Duration.ofDays(amount);
    };
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
