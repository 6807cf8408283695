package dev.feedloop.infra.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.SampleEvents;
import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.schemas.kafka.TopicBootstrap;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.schemas.kafka.TopicSpec;
import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The same contract on a containerized Apache Kafka, where a Docker engine exists; skipped
 * elsewhere.
 */
@Testcontainers(disabledWithoutDocker = true)
class ContainerKafkaTest {

  @Container static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka-native:4.1.0");

  @Test
  void topicsAndSerdeWorkOnAContainerizedCluster() {
    KafkaClientSettings settings = KafkaClientSettings.of(KAFKA.getBootstrapServers());
    TopicNames names = TopicNames.defaults();
    try (Admin admin = Admin.create(settings.clientConfig())) {
      TopicBootstrap.ensureTopics(admin, TopicSpec.catalog(names));
    }
    List<PreferencePair> pairs = List.of(SampleEvents.pair(), SampleEvents.pair());

    EventRoundTrip.produce(settings, names.preferencePairs(), PreferencePair.class, pairs);

    assertThat(EventRoundTrip.readAll(settings, names.preferencePairs(), PreferencePair.class))
        .containsExactlyElementsOf(pairs);
  }
}
