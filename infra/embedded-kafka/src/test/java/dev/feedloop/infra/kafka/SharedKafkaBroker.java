package dev.feedloop.infra.kafka;

import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.schemas.kafka.TopicBootstrap;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.schemas.kafka.TopicSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;

/**
 * One real broker for every integration test of a JVM: a cold start costs 10-15 s of CPU, so tests
 * share it and keep apart through unique topic names.
 *
 * <p>FEEDLOOP_TEST_BOOTSTRAP_SERVERS runs the same tests against an external cluster instead.
 */
public final class SharedKafkaBroker {

  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  private static KafkaClientSettings settings;

  private SharedKafkaBroker() {}

  public static synchronized KafkaClientSettings settings() {
    if (settings == null) {
      String external = System.getenv("FEEDLOOP_TEST_BOOTSTRAP_SERVERS");
      if (external != null && !external.isBlank()) {
        settings = KafkaClientSettings.of(external.strip());
      } else {
        settings = KafkaClientSettings.of(startEmbedded().bootstrapServers());
      }
    }
    return settings;
  }

  public static String bootstrapServers() {
    return settings().bootstrapServers();
  }

  /** Topic names no other test uses, e.g. "restart-3-7f2a.generations". */
  public static TopicNames uniqueTopicNames(String label) {
    String prefix =
        label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-")
            + "-"
            + SEQUENCE.incrementAndGet()
            + "-"
            + Long.toHexString(System.nanoTime() & 0xffff)
            + ".";
    return TopicNames.withPrefix(prefix);
  }

  /** Unique topic names whose topics already exist, created from the catalog. */
  public static TopicNames createUniqueTopics(String label) {
    TopicNames names = uniqueTopicNames(label);
    try (Admin admin = Admin.create(settings().clientConfig())) {
      TopicBootstrap.ensureTopics(admin, TopicSpec.catalog(names));
    }
    return names;
  }

  private static EmbeddedKafkaBroker startEmbedded() {
    try {
      EmbeddedKafkaBroker broker =
          EmbeddedKafkaBroker.start(Files.createTempDirectory("feedloop-test-kafka"));
      Runtime.getRuntime()
          .addShutdownHook(new Thread(broker::stop, "shared-kafka-broker-shutdown"));
      return broker;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
