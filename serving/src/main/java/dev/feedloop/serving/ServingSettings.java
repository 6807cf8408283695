package dev.feedloop.serving;

import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.schemas.kafka.TopicNames;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * What one serving replica needs to know, resolved once at start from application.yml (whose values
 * environment variables override).
 *
 * @param modelDirectory the Hugging Face model directory served (base model)
 * @param modelId the id written into every GenerationLogged and answered as OpenAI's "model"
 * @param kafka the cluster generations and feedback are logged to
 * @param topics the topic names of this deployment
 * @param recentGenerations how many generations this replica remembers for feedback (id, prompt
 *     hash, user): feedback on an older or another replica's generation answers 404
 * @param feedbackAcknowledgeTimeout how long a feedback call waits for Kafka's acknowledgement
 *     before it answers 503
 * @param maxCandidates the largest `n` a request may ask for
 * @param defaultMaxTokens completion tokens when a request names no limit
 */
public record ServingSettings(
    Path modelDirectory,
    String modelId,
    KafkaClientSettings kafka,
    TopicNames topics,
    int recentGenerations,
    Duration feedbackAcknowledgeTimeout,
    int maxCandidates,
    int defaultMaxTokens) {

  public ServingSettings {
    Objects.requireNonNull(modelDirectory, "modelDirectory");
    Objects.requireNonNull(kafka, "kafka");
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(feedbackAcknowledgeTimeout, "feedbackAcknowledgeTimeout");
    if (modelId == null || modelId.isBlank()) {
      throw new IllegalArgumentException("modelId must be set");
    }
    if (recentGenerations < 1 || maxCandidates < 1 || defaultMaxTokens < 1) {
      throw new IllegalArgumentException(
          "recentGenerations, maxCandidates and defaultMaxTokens must be positive");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds settings by name; every limit has a default. */
  public static final class Builder {
    private Path modelDirectory;
    private String modelId;
    private KafkaClientSettings kafka;
    private TopicNames topics = TopicNames.defaults();
    private int recentGenerations = 100_000;
    private Duration feedbackAcknowledgeTimeout = Duration.ofSeconds(10);
    private int maxCandidates = 8;
    private int defaultMaxTokens = 96;

    private Builder() {}

    public Builder modelDirectory(Path value) {
      modelDirectory = value;
      return this;
    }

    public Builder modelId(String value) {
      modelId = value;
      return this;
    }

    public Builder kafka(KafkaClientSettings value) {
      kafka = value;
      return this;
    }

    public Builder topics(TopicNames value) {
      topics = value;
      return this;
    }

    public Builder recentGenerations(int value) {
      recentGenerations = value;
      return this;
    }

    public Builder feedbackAcknowledgeTimeout(Duration value) {
      feedbackAcknowledgeTimeout = value;
      return this;
    }

    public Builder maxCandidates(int value) {
      maxCandidates = value;
      return this;
    }

    public Builder defaultMaxTokens(int value) {
      defaultMaxTokens = value;
      return this;
    }

    public ServingSettings build() {
      return new ServingSettings(
          modelDirectory,
          modelId,
          kafka,
          topics,
          recentGenerations,
          feedbackAcknowledgeTimeout,
          maxCandidates,
          defaultMaxTokens);
    }
  }
}
