package dev.feedloop.users.run;

import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.users.UsersSettings;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a measured run ({@link LoopRun}); built by name, every value but the users and the
 * cluster has a default.
 *
 * @param users the simulated users (serving's URL and key among them)
 * @param kafka the cluster: evaluations are published and trainer windows read there
 * @param topics the loop's topic names
 * @param modelId the model trained and served (keys the evaluations, filters the windows)
 * @param runId names the run in its evaluations and its directory
 * @param evaluationPrompts how many fixed evaluation prompts each measurement answers (default 200)
 * @param evaluationConcurrency evaluation requests in flight at most (default 8)
 * @param livePollInterval how often serving's live version is read (default 250 ms): the resolution
 *     of the measured freshness
 * @param statusInterval how often progress is reported (default 1 s)
 */
public record LoopRunSettings(
    UsersSettings users,
    KafkaClientSettings kafka,
    TopicNames topics,
    String modelId,
    String runId,
    int evaluationPrompts,
    int evaluationConcurrency,
    Duration livePollInterval,
    Duration statusInterval) {

  public LoopRunSettings {
    Objects.requireNonNull(users, "users");
    Objects.requireNonNull(kafka, "kafka");
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(modelId, "modelId");
    Objects.requireNonNull(runId, "runId");
    if (evaluationPrompts < 1) {
      throw new IllegalArgumentException("evaluation prompts must be at least 1");
    }
    if (evaluationConcurrency < 1) {
      throw new IllegalArgumentException("evaluation concurrency must be at least 1");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private UsersSettings users;
    private KafkaClientSettings kafka;
    private TopicNames topics = TopicNames.defaults();
    private String modelId = "tiny-chat";
    private String runId = "run";
    private int evaluationPrompts = 200;
    private int evaluationConcurrency = 8;
    private Duration livePollInterval = Duration.ofMillis(250);
    private Duration statusInterval = Duration.ofSeconds(1);

    public Builder users(UsersSettings value) {
      users = value;
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

    public Builder modelId(String value) {
      modelId = value;
      return this;
    }

    public Builder runId(String value) {
      runId = value;
      return this;
    }

    public Builder evaluationPrompts(int value) {
      evaluationPrompts = value;
      return this;
    }

    public Builder evaluationConcurrency(int value) {
      evaluationConcurrency = value;
      return this;
    }

    public Builder livePollInterval(Duration value) {
      livePollInterval = value;
      return this;
    }

    public Builder statusInterval(Duration value) {
      statusInterval = value;
      return this;
    }

    public LoopRunSettings build() {
      return new LoopRunSettings(
          users,
          kafka,
          topics,
          modelId,
          runId,
          evaluationPrompts,
          evaluationConcurrency,
          livePollInterval,
          statusInterval);
    }
  }
}
