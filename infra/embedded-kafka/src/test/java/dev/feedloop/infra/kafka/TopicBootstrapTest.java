package dev.feedloop.infra.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.schemas.kafka.Topic;
import dev.feedloop.schemas.kafka.TopicBootstrap;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.schemas.kafka.TopicSpec;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

class TopicBootstrapTest {

  @Test
  void createsTheCatalogOnceAndIsIdempotent() throws Exception {
    TopicNames names = SharedKafkaBroker.uniqueTopicNames("bootstrap");
    List<TopicSpec> catalog = TopicSpec.catalog(names);
    try (Admin admin = Admin.create(SharedKafkaBroker.settings().clientConfig())) {
      TopicBootstrap.Outcome first = TopicBootstrap.ensureTopics(admin, catalog);
      TopicBootstrap.Outcome second = TopicBootstrap.ensureTopics(admin, catalog);

      assertThat(first.created())
          .containsExactlyInAnyOrderElementsOf(catalog.stream().map(TopicSpec::name).toList());
      assertThat(second.created()).isEmpty();
      assertThat(second.existing()).hasSameSizeAs(catalog);

      Map<String, TopicDescription> described =
          admin
              .describeTopics(catalog.stream().map(TopicSpec::name).toList())
              .allTopicNames()
              .get();
      for (TopicSpec spec : catalog) {
        assertThat(described.get(spec.name()).partitions())
            .as(spec.name())
            .hasSize(spec.partitions());
      }
      ConfigResource adapters = new ConfigResource(ConfigResource.Type.TOPIC, names.adapters());
      Config adapterConfig = admin.describeConfigs(List.of(adapters)).all().get().get(adapters);
      assertThat(adapterConfig.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("compact");
    }
  }

  @Test
  void concurrentBootstrapsFromSeveralComponentsAllSucceed() throws Exception {
    TopicNames names = SharedKafkaBroker.uniqueTopicNames("concurrent");
    List<TopicSpec> catalog = TopicSpec.catalog(names);
    try (Admin first = Admin.create(SharedKafkaBroker.settings().clientConfig());
        Admin second = Admin.create(SharedKafkaBroker.settings().clientConfig())) {
      var a = CompletableFuture.supplyAsync(() -> TopicBootstrap.ensureTopics(first, catalog));
      var b = CompletableFuture.supplyAsync(() -> TopicBootstrap.ensureTopics(second, catalog));

      int createdInTotal = a.get().created().size() + b.get().created().size();
      assertThat(createdInTotal).isEqualTo(Topic.values().length);
      assertThat(first.listTopics().names().get())
          .containsAll(catalog.stream().map(TopicSpec::name).toList());
    }
  }
}
