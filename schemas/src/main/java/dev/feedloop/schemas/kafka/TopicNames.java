package dev.feedloop.schemas.kafka;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/** The topic names one deployment uses: defaults, overridden per topic by environment variables. */
public final class TopicNames {

  private final Map<Topic, String> names;

  private TopicNames(Map<Topic, String> names) {
    this.names = names;
  }

  public static TopicNames defaults() {
    return withPrefix("");
  }

  /** Default names behind a prefix: keeps experiments and tests apart on one cluster. */
  public static TopicNames withPrefix(String prefix) {
    Map<Topic, String> names = new EnumMap<>(Topic.class);
    for (Topic topic : Topic.values()) {
      names.put(topic, prefix + topic.defaultName());
    }
    return new TopicNames(names);
  }

  /**
   * FEEDLOOP_TOPIC_PREFIX prefixes every default name; FEEDLOOP_TOPIC_&lt;TOPIC&gt; (e.g.
   * FEEDLOOP_TOPIC_DEAD_LETTER) replaces one name outright.
   */
  public static TopicNames fromEnvironment(Map<String, String> environment) {
    TopicNames prefixed = withPrefix(environment.getOrDefault("FEEDLOOP_TOPIC_PREFIX", ""));
    Map<Topic, String> names = new EnumMap<>(prefixed.names);
    for (Topic topic : Topic.values()) {
      String override = environment.get(topic.environmentVariable());
      if (override != null && !override.isBlank()) {
        names.put(topic, override.strip());
      }
    }
    return new TopicNames(names);
  }

  public String name(Topic topic) {
    return names.get(Objects.requireNonNull(topic));
  }

  public String generations() {
    return name(Topic.GENERATIONS);
  }

  public String feedback() {
    return name(Topic.FEEDBACK);
  }

  public String preferencePairs() {
    return name(Topic.PREFERENCE_PAIRS);
  }

  public String unaryFeedback() {
    return name(Topic.UNARY_FEEDBACK);
  }

  public String adapters() {
    return name(Topic.ADAPTERS);
  }

  public String adapterWeights() {
    return name(Topic.ADAPTER_WEIGHTS);
  }

  public String adapterCommands() {
    return name(Topic.ADAPTER_COMMANDS);
  }

  public String trainerMetrics() {
    return name(Topic.TRAINER_METRICS);
  }

  public String trainerState() {
    return name(Topic.TRAINER_STATE);
  }

  public String trainerStateChunks() {
    return name(Topic.TRAINER_STATE_CHUNKS);
  }

  public String evaluations() {
    return name(Topic.EVALUATIONS);
  }

  public String deadLetter() {
    return name(Topic.DEAD_LETTER);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TopicNames that && names.equals(that.names);
  }

  @Override
  public int hashCode() {
    return names.hashCode();
  }

  @Override
  public String toString() {
    return names.toString();
  }
}
