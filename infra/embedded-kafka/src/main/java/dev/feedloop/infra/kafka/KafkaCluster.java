package dev.feedloop.infra.kafka;

import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.schemas.kafka.TopicBootstrap;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.schemas.kafka.TopicSpec;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster a process works against: the external one named by KAFKA_BOOTSTRAP_SERVERS, or else
 * an embedded broker this handle starts and stops. Either way the loop's topics exist once {@link
 * #connect} returns.
 */
public final class KafkaCluster implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(KafkaCluster.class);

  private final KafkaClientSettings settings;
  private final EmbeddedKafkaBroker embedded;

  private KafkaCluster(KafkaClientSettings settings, EmbeddedKafkaBroker embedded) {
    this.settings = settings;
    this.embedded = embedded;
  }

  /**
   * @param environment usually System.getenv()
   * @param embeddedDataDirectory where an embedded broker keeps its data when one is needed
   */
  public static KafkaCluster connect(
      Map<String, String> environment, Path embeddedDataDirectory, TopicNames topics) {
    Optional<String> external = KafkaClientSettings.externalBootstrapServers(environment);
    EmbeddedKafkaBroker embedded = null;
    String servers;
    if (external.isPresent()) {
      servers = external.get();
      log.info("Using the external Kafka cluster at {}", servers);
    } else {
      embedded = EmbeddedKafkaBroker.start(embeddedDataDirectory);
      servers = embedded.bootstrapServers();
    }
    KafkaCluster cluster =
        new KafkaCluster(KafkaClientSettings.fromEnvironment(servers, environment), embedded);
    try (Admin admin = Admin.create(cluster.settings.clientConfig())) {
      TopicBootstrap.ensureTopics(admin, TopicSpec.catalog(topics));
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  public KafkaClientSettings settings() {
    return settings;
  }

  /** The embedded broker, when this process runs one. */
  public Optional<EmbeddedKafkaBroker> embeddedBroker() {
    return Optional.ofNullable(embedded);
  }

  @Override
  public void close() {
    if (embedded != null) {
      embedded.stop();
    }
  }
}
