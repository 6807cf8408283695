package dev.feedloop.schemas.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;

/** How one topic is created: name, partitions and the configs that matter to the loop. */
public record TopicSpec(Topic topic, String name, int partitions, Map<String, String> configs) {

  /** Event topics keep a month by default so that experiments can replay recent history. */
  public static final Duration DEFAULT_RETENTION = Duration.ofDays(30);

  public static final int DEFAULT_PARTITIONS = 3;

  public TopicSpec {
    if (partitions < 1) {
      throw new IllegalArgumentException(
          "partitions of " + name + " must be at least 1, got " + partitions);
    }
    configs = Map.copyOf(configs);
  }

  /** The whole catalog with default partitions and retention. */
  public static List<TopicSpec> catalog(TopicNames names) {
    return catalog(names, DEFAULT_PARTITIONS, DEFAULT_RETENTION);
  }

  /**
   * Every topic of the loop. Adapter announcements and operator commands have one partition (a
   * total order per model); announcements and weight chunks are compacted (one key per version and
   * per chunk, so nothing a replica may need is deleted), commands are kept forever; the others are
   * time-retained.
   */
  public static List<TopicSpec> catalog(TopicNames names, int partitions, Duration retention) {
    List<TopicSpec> specs = new ArrayList<>();
    for (Topic topic : Topic.values()) {
      Map<String, String> configs = new LinkedHashMap<>();
      switch (topic.retention()) {
        case COMPACTED -> {
          configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
          if (topic == Topic.ADAPTERS) {
            // announcements carry adapter weights inline when small; allow a few MB
            configs.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(8 * 1024 * 1024));
          }
          if (topic == Topic.TRAINER_STATE || topic == Topic.TRAINER_STATE_CHUNKS) {
            // a checkpoint per window: roll segments hourly so that compaction keeps up
            configs.put(
                TopicConfig.SEGMENT_MS_CONFIG, String.valueOf(Duration.ofHours(1).toMillis()));
          }
        }
        case FOREVER -> {
          configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
          configs.put(TopicConfig.RETENTION_MS_CONFIG, "-1");
          configs.put(TopicConfig.RETENTION_BYTES_CONFIG, "-1");
        }
        case TIME -> {
          configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
          configs.put(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(retention.toMillis()));
        }
      }
      specs.add(
          new TopicSpec(
              topic, names.name(topic), topic.singlePartition() ? 1 : partitions, configs));
    }
    return List.copyOf(specs);
  }
}
