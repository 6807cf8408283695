package dev.feedloop.infra.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.schemas.kafka.TopicNames;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaClusterTest {

  @TempDir Path unusedDataDirectory;

  @Test
  void externalBootstrapServersMeanNoEmbeddedBrokerAndTopicsOnThatCluster() throws Exception {
    TopicNames names = SharedKafkaBroker.uniqueTopicNames("external");
    Map<String, String> environment =
        Map.of(
            "KAFKA_BOOTSTRAP_SERVERS",
            SharedKafkaBroker.bootstrapServers(),
            "KAFKA_CLIENT_CLIENT_ID",
            "feedloop-test");

    try (KafkaCluster cluster = KafkaCluster.connect(environment, unusedDataDirectory, names)) {
      assertThat(cluster.embeddedBroker()).isEmpty();
      assertThat(cluster.settings().bootstrapServers())
          .isEqualTo(SharedKafkaBroker.bootstrapServers());
      assertThat(cluster.settings().clientConfig()).containsEntry("client.id", "feedloop-test");
      try (Admin admin = Admin.create(cluster.settings().clientConfig())) {
        assertThat(admin.listTopics().names().get())
            .contains(names.generations(), names.adapters(), names.deadLetter());
      }
    }
    assertThat(unusedDataDirectory).isEmptyDirectory();
  }

  @Test
  void withoutExternalServersAnEmbeddedBrokerServesTheTopics(@TempDir Path dataDirectory)
      throws Exception {
    TopicNames names = TopicNames.defaults();
    try (KafkaCluster cluster = KafkaCluster.connect(Map.of(), dataDirectory, names)) {
      assertThat(cluster.embeddedBroker()).isPresent();
      try (Admin admin = Admin.create(cluster.settings().clientConfig())) {
        assertThat(admin.listTopics().names().get())
            .contains("generations", "feedback", "preference-pairs");
      }
    }
    assertThat(dataDirectory.resolve("meta.properties")).exists();
  }
}
