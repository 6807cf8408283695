package dev.feedloop.infra.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.schemas.SampleEvents;
import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.schemas.kafka.Topic;
import dev.feedloop.schemas.kafka.TopicBootstrap;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.schemas.kafka.TopicSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaBrokerTest {

  @TempDir Path dataDirectory;

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void everyEventTypeSurvivesABrokerRestartOnTheSameDataWithNothingLost() {
    TopicNames names = TopicNames.withPrefix("restart.");
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dataDirectory);
    KafkaClientSettings settings = KafkaClientSettings.of(broker.bootstrapServers());
    try (Admin admin = Admin.create(settings.clientConfig())) {
      assertThat(TopicBootstrap.ensureTopics(admin, TopicSpec.catalog(names)).created())
          .hasSize(Topic.values().length);
    }
    Map<Topic, List<SpecificRecord>> sent = new HashMap<>();
    produceEveryEvent(settings, names, sent);

    broker = broker.restart();
    try {
      assertThat(broker.bootstrapServers()).isEqualTo(settings.bootstrapServers());
      try (Admin admin = Admin.create(settings.clientConfig())) {
        assertThat(TopicBootstrap.ensureTopics(admin, TopicSpec.catalog(names)).created())
            .as("topics and their data are still there")
            .isEmpty();
      }
      produceEveryEvent(settings, names, sent);

      for (Topic topic : Topic.values()) {
        List<SpecificRecord> received =
            (List) EventRoundTrip.readAll(settings, names.name(topic), topic.valueType());
        assertThat(received).as(topic.name()).containsExactlyInAnyOrderElementsOf(sent.get(topic));
      }
    } finally {
      broker.stop();
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void produceEveryEvent(
      KafkaClientSettings settings, TopicNames names, Map<Topic, List<SpecificRecord>> sent) {
    for (Topic topic : Topic.values()) {
      List<SpecificRecord> events =
          SampleEvents.everyEvent().stream()
              .filter(e -> e.getClass() == topic.valueType())
              .toList();
      assertThat(events).as("a sample for %s", topic).hasSize(1);
      List<SpecificRecord> copies = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        copies.addAll(events);
      }
      EventRoundTrip.produce(settings, names.name(topic), (Class) topic.valueType(), copies);
      sent.computeIfAbsent(topic, t -> new ArrayList<>()).addAll(copies);
    }
  }
}
