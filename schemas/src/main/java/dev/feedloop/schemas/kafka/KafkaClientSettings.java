package dev.feedloop.schemas.kafka;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * Where the cluster is and how to reach it, shared by every component's Kafka clients.
 *
 * <p>KAFKA_BOOTSTRAP_SERVERS names an external cluster (when unset, the launcher starts the
 * embedded broker). Any KAFKA_CLIENT_&lt;PROPERTY&gt; variable becomes a client property,
 * underscores read as dots: KAFKA_CLIENT_SECURITY_PROTOCOL=SASL_SSL sets security.protocol, so a
 * secured cluster needs no code change.
 */
public record KafkaClientSettings(String bootstrapServers, Map<String, String> clientProperties) {

  public static final String BOOTSTRAP_VARIABLE = "KAFKA_BOOTSTRAP_SERVERS";
  private static final String CLIENT_PROPERTY_PREFIX = "KAFKA_CLIENT_";

  public KafkaClientSettings {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("bootstrap servers must be set");
    }
    clientProperties = Map.copyOf(clientProperties);
  }

  public static KafkaClientSettings of(String bootstrapServers) {
    return new KafkaClientSettings(bootstrapServers, Map.of());
  }

  /** The external cluster named in the environment, if any. */
  public static Optional<String> externalBootstrapServers(Map<String, String> environment) {
    return Optional.ofNullable(environment.get(BOOTSTRAP_VARIABLE))
        .map(String::strip)
        .filter(servers -> !servers.isEmpty());
  }

  /**
   * Where a standalone component connects when neither an option nor the environment names a
   * cluster.
   */
  public static final String LOCAL_BOOTSTRAP_SERVERS = "localhost:9092";

  /**
   * The cluster a standalone command talks to: its option when given, else KAFKA_BOOTSTRAP_SERVERS,
   * else {@value #LOCAL_BOOTSTRAP_SERVERS} (what serving's application.yml defaults to as well).
   */
  public static String bootstrapServers(String option, Map<String, String> environment) {
    if (option != null && !option.isBlank()) {
      return option.strip();
    }
    return externalBootstrapServers(environment).orElse(LOCAL_BOOTSTRAP_SERVERS);
  }

  /** Settings for the given servers plus every KAFKA_CLIENT_* property of the environment. */
  public static KafkaClientSettings fromEnvironment(
      String bootstrapServers, Map<String, String> environment) {
    Map<String, String> properties = new HashMap<>();
    environment.forEach(
        (variable, value) -> {
          if (variable.startsWith(CLIENT_PROPERTY_PREFIX)
              && variable.length() > CLIENT_PROPERTY_PREFIX.length()) {
            String property =
                variable
                    .substring(CLIENT_PROPERTY_PREFIX.length())
                    .toLowerCase(Locale.ROOT)
                    .replace('_', '.');
            properties.put(property, value);
          }
        });
    return new KafkaClientSettings(bootstrapServers, properties);
  }

  /** Properties for any Kafka client: bootstrap servers plus the operator's extras. */
  public Map<String, Object> clientConfig() {
    Map<String, Object> config = new HashMap<>(clientProperties);
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return config;
  }
}
