package dev.feedloop.serving.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.model.ModelConfig;
import dev.feedloop.schemas.AdapterPublished;
import dev.feedloop.schemas.kafka.TopicNames;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Broken adapters are refused, each with its reason in GET /v1/adapters and the refusal metric,
 * while the live version keeps serving.
 */
class AdapterRefusalTest {

  @Test
  void everyBrokenAdapterIsRefusedWithItsReasonAndTheLiveOneKeepsServing() {
    AdapterPublishing.BaseModel tinyChat = AdapterPublishing.tinyChat();
    String baseModel = tinyChat.fingerprint();
    ModelConfig config = tinyChat.config();
    TopicNames topics = SharedKafkaBroker.createUniqueTopics("adapter-refusals");
    try (AdapterPublishing trainer = new AdapterPublishing(topics, "tiny-chat", baseModel);
        ServingInstance replica = ServingInstance.start(topics)) {
      byte[] sound = AdapterPublishing.adapterBytes(config, 1);
      trainer.publish(1, sound);
      replica.awaitLive(1, null);

      ModelConfig wider = config.toBuilder().hiddenSize(config.hiddenSize() * 2).build();
      refused(replica, trainer, 2, sound, a -> withChecksum(a, "0".repeat(64)), -1, "checksum");
      refused(replica, trainer, 3, AdapterPublishing.adapterBytes(wider, 3), a -> a, -1, "shapes");
      byte[] nan =
          AdapterPublishing.adapterBytes(
              config, 4, parameters -> parameters.get(0).array().set(nanFirst(parameters)));
      refused(replica, trainer, 4, nan, a -> a, -1, "not-finite");
      byte[] huge =
          AdapterPublishing.adapterBytes(
              config, 5, parameters -> parameters.get(1).array().muli(1e5));
      refused(replica, trainer, 5, huge, a -> a, -1, "too-large");
      refused(
          replica,
          trainer,
          6,
          sound,
          a -> withBaseModel(a, "another-base-model"),
          -1,
          "base-model");
      refused(
          replica,
          trainer,
          7,
          AdapterPublishing.adapterBytes(config, 7),
          a -> a,
          1,
          "missing-chunk");

      assertThat(replica.liveVersion()).isEqualTo(1);
      assertThat(AdapterHotSwapTest.chat(replica).get("adapter_version")).isEqualTo(1);
      String metrics = replica.prometheus();
      for (String reason :
          new String[] {
            "checksum", "shapes", "not-finite", "too-large", "base-model", "missing-chunk"
          }) {
        assertThat(metrics)
            .containsPattern("feedloop_adapter_refused_total\\{reason=\"" + reason + "\",?\\} 1.0");
      }
      assertThat(metrics).contains("feedloop_adapter_live_version 1.0");
      // a refused version cannot be pinned
      ServingInstance.Reply pinRefused = replica.post("/v1/adapters/4/pin", Map.of());
      assertThat(pinRefused.status()).isEqualTo(409);
      assertThat(pinRefused.body().get("error").toString()).contains("not-finite");
    }
  }

  private static void refused(
      ServingInstance replica,
      AdapterPublishing trainer,
      long version,
      byte[] weights,
      UnaryOperator<AdapterPublished> tamper,
      int leaveOut,
      String reason) {
    trainer.publishBroken(version, weights, tamper, leaveOut);
    Map<String, Object> adapters =
        replica.awaitAdapters(
            "version " + version + " refused",
            a -> {
              try {
                return "refused".equals(ServingInstance.version(a, version).get("status"));
              } catch (AssertionError notYetRead) {
                return false;
              }
            });
    Map<String, Object> entry = ServingInstance.version(adapters, version);
    assertThat(entry.get("reason")).as("reason of version %s", version).isEqualTo(reason);
    assertThat((String) entry.get("detail")).isNotBlank();
    assertThat(((Number) adapters.get("live_version")).longValue()).isEqualTo(1);
    assertThat(ServingInstance.version(adapters, 1).get("status")).isEqualTo("live");
  }

  private static AdapterPublished withChecksum(AdapterPublished a, String checksum) {
    a.setChecksum(checksum);
    return a;
  }

  private static AdapterPublished withBaseModel(AdapterPublished a, String baseModel) {
    a.setBaseModel(baseModel);
    return a;
  }

  private static float[] nanFirst(java.util.List<dev.feedloop.model.lora.LoraParameter> p) {
    float[] values = p.get(0).array().toFloatArray();
    values[3] = Float.NaN;
    return values;
  }
}
