package dev.feedloop.serving.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.model.ModelConfig;
import dev.feedloop.schemas.kafka.TopicNames;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two replicas follow one adapters topic and converge, through publishing, pin, unpin and rollback,
 * whichever replica an operator calls; a third started after a pin comes up pinned.
 */
class AdapterConvergenceTest {

  @Test
  void replicasConvergeThroughPinUnpinAndRollbackAndALateReplicaObeysThePin() {
    AdapterPublishing.BaseModel tinyChat = AdapterPublishing.tinyChat();
    String baseModel = tinyChat.fingerprint();
    ModelConfig config = tinyChat.config();
    TopicNames topics = SharedKafkaBroker.createUniqueTopics("adapter-convergence");
    try (AdapterPublishing trainer = new AdapterPublishing(topics, "tiny-chat", baseModel);
        ServingInstance a = ServingInstance.start(topics);
        ServingInstance b = ServingInstance.start(topics)) {
      List<ServingInstance> replicas = List.of(a, b);
      trainer.publish(1, AdapterPublishing.adapterBytes(config, 1));
      trainer.publish(2, AdapterPublishing.adapterBytes(config, 2));
      replicas.forEach(r -> r.awaitLive(2, null));

      a.act("/v1/adapters/1/pin");
      replicas.forEach(r -> r.awaitLive(1, 1L));
      assertThat(AdapterHotSwapTest.chat(b).get("adapter_version")).isEqualTo(1);

      // a newer version does not displace the pin
      trainer.publish(3, AdapterPublishing.adapterBytes(config, 3));
      for (ServingInstance r : replicas) {
        Map<String, Object> adapters =
            r.awaitAdapters(
                "version 3 announced", x -> x.get("data").toString().contains("version=3"));
        assertThat(adapters.get("live_version")).isEqualTo(1);
        assertThat(ServingInstance.version(adapters, 3).get("status")).isEqualTo("available");
      }

      b.act("/v1/adapters/unpin");
      replicas.forEach(r -> r.awaitLive(3, null));

      Map<String, Object> rollback = a.act("/v1/adapters/rollback");
      assertThat(rollback.get("rolled_back_version")).isEqualTo(3);
      assertThat(rollback.get("version")).isEqualTo(2);
      for (ServingInstance r : replicas) {
        Map<String, Object> adapters = r.awaitLive(2, null);
        assertThat(ServingInstance.version(adapters, 3).get("status")).isEqualTo("rolled_back");
        assertThat(AdapterHotSwapTest.chat(r).get("adapter_version")).isEqualTo(2);
      }

      b.act("/v1/adapters/1/pin");
      replicas.forEach(r -> r.awaitLive(1, 1L));

      try (ServingInstance late = ServingInstance.start(topics)) {
        AdapterHotSwapTest.awaitReadyWithAdapter(late, 1);
        Map<String, Object> adapters = late.awaitLive(1, 1L);
        assertThat(ServingInstance.version(adapters, 3).get("status")).isEqualTo("rolled_back");
        assertThat(ServingInstance.version(adapters, 2).get("status")).isEqualTo("available");

        late.act("/v1/adapters/unpin");
        // the rollback of 3 survives on every replica, the late one included
        for (ServingInstance r : List.of(a, b, late)) {
          r.awaitLive(2, null);
        }
      }
    }
  }
}
