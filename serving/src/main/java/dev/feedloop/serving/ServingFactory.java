package dev.feedloop.serving;

import dev.feedloop.model.LanguageModel;
import dev.feedloop.model.lora.AdapterSlot;
import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.schemas.kafka.TopicNames;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The replica's long-lived parts: its settings, the loaded model and the Kafka producer. */
@Factory
public class ServingFactory {

  private static final Logger LOG = LoggerFactory.getLogger(ServingFactory.class);

  @Singleton
  ServingSettings settings(
      @Value("${feedloop.serving.model-dir}") String modelDirectory,
      @Value("${feedloop.serving.model-id:}") String modelId,
      @Value("${feedloop.kafka.bootstrap-servers}") String bootstrapServers,
      @Value("${feedloop.kafka.topic-prefix:}") String topicPrefix,
      @Value("${feedloop.serving.recent-generations:100000}") int recentGenerations,
      @Value("${feedloop.serving.feedback-acknowledge-timeout:10s}") Duration acknowledgeTimeout,
      @Value("${feedloop.serving.max-candidates:8}") int maxCandidates,
      @Value("${feedloop.serving.default-max-tokens:96}") int defaultMaxTokens) {
    Map<String, String> environment = new HashMap<>(System.getenv());
    // the configured prefix wins over the environment's, so tests and config files can set it;
    // FEEDLOOP_TOPIC_<TOPIC> still renames single topics
    environment.put("FEEDLOOP_TOPIC_PREFIX", topicPrefix);
    Path directory = Path.of(modelDirectory).toAbsolutePath().normalize();
    return ServingSettings.builder()
        .modelDirectory(directory)
        .modelId(modelId.isBlank() ? directory.getFileName().toString() : modelId)
        .kafka(KafkaClientSettings.fromEnvironment(bootstrapServers, System.getenv()))
        .topics(TopicNames.fromEnvironment(environment))
        .recentGenerations(recentGenerations)
        .feedbackAcknowledgeTimeout(acknowledgeTimeout)
        .maxCandidates(maxCandidates)
        .defaultMaxTokens(defaultMaxTokens)
        .build();
  }

  /** Loaded while the context starts (@Context), so no request waits for it. */
  @Context
  @Bean(preDestroy = "close")
  LanguageModel languageModel(ServingSettings settings) {
    try {
      long started = System.nanoTime();
      LanguageModel model = LanguageModel.load(settings.modelDirectory());
      LOG.info(
          "Loaded {} from {} in {} ms",
          settings.modelId(),
          settings.modelDirectory(),
          (System.nanoTime() - started) / 1_000_000);
      return model;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot load the model " + settings.modelDirectory(), e);
    }
  }

  /**
   * The live adapter. It starts as the base model (version 0: no adapter has been announced yet);
   * the adapter follower swaps announced versions in. A request holds a lease on it from admission
   * to its last token, so it keeps the adapter it started with.
   */
  @Singleton
  @Bean(preDestroy = "close")
  AdapterSlot adapterSlot() {
    return new AdapterSlot(null, BASE_MODEL_VERSION);
  }

  /** The version of "no adapter": announced adapter versions start at 1. */
  public static final long BASE_MODEL_VERSION = 0;

  /**
   * One idempotent producer (acks=all) for every event of the replica: a retried send never
   * duplicates a generation or a feedback event.
   */
  @Singleton
  @Bean(preDestroy = "close")
  KafkaProducer<String, byte[]> eventProducer(ServingSettings settings) {
    Map<String, Object> config = settings.kafka().clientConfig();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    // send() waits this long for cluster metadata: bounded by the feedback timeout, so feedback is
    // refused (503) in time when the cluster is unreachable
    config.put(
        ProducerConfig.MAX_BLOCK_MS_CONFIG, settings.feedbackAcknowledgeTimeout().toMillis());
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "feedloop-serving-" + settings.modelId());
    return new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
  }
}
