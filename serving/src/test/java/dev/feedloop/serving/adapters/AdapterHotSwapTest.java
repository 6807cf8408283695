package dev.feedloop.serving.adapters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.model.ModelConfig;
import dev.feedloop.model.lora.AdapterSlot;
import dev.feedloop.schemas.ChatMessages;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.serving.adapters.ServingInstance.Reply;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An adapter published through Kafka (weights in chunks, one transaction) goes live on a replica:
 * readiness waits for it, answers and GenerationLogged events carry its version and its log-probs;
 * a newer one is swapped in; operator errors are answered as OpenAI errors.
 */
class AdapterHotSwapTest {

  private static final String PROMPT = "Who are you?";

  private static String baseModel;
  private static ModelConfig config;

  @BeforeAll
  static void baseModel() {
    AdapterPublishing.BaseModel tinyChat = AdapterPublishing.tinyChat();
    baseModel = tinyChat.fingerprint();
    config = tinyChat.config();
  }

  @Test
  void aPublishedAdapterGoesLiveAndIntoAnswersAndEvents() {
    TopicNames topics = SharedKafkaBroker.createUniqueTopics("adapter-hot-swap");
    try (AdapterPublishing trainer = new AdapterPublishing(topics, "tiny-chat", baseModel)) {
      trainer.publish(1, AdapterPublishing.adapterBytes(config, 1));

      try (ServingInstance replica = ServingInstance.start(topics)) {
        awaitReadyWithAdapter(replica, 1);

        Map<String, Object> choice = chat(replica);
        assertThat(choice.get("adapter_version")).isEqualTo(1);
        GenerationLogged event = generation(topics, (String) choice.get("generation_id"));
        assertThat(event.getAdapterVersion()).isEqualTo(1L);
        try (AdapterSlot.Lease lease = replica.slot().acquire()) {
          var prompt = List.of(ChatMessages.of("user", PROMPT));
          double adapted =
              replica.model().scoreCompletion(prompt, event.getCompletion(), lease.adapter());
          double base = replica.model().scoreCompletion(prompt, event.getCompletion(), null);
          // the log-prob logged is the adapter's, and the adapter changes the model's outputs
          assertThat(event.getCompletionLogprob()).isCloseTo(adapted, within(1e-2));
          assertThat(Math.abs(adapted - base)).isGreaterThan(0.05);
        }
        Map<String, Object> models = replica.get("/v1/models").body();
        assertThat(models.get("data").toString()).contains("tiny-chat:adapter-1");

        long beforeSecondPublish = System.currentTimeMillis();
        Map<String, Object> first = replica.awaitLive(1, null);
        long v1WentLive = wentLiveAt(ServingInstance.version(first, 1));
        assertThat(((Number) first.get("live_since")).longValue()).isEqualTo(v1WentLive);
        assertThat(v1WentLive).isLessThanOrEqualTo(beforeSecondPublish);

        trainer.publish(2, AdapterPublishing.adapterBytes(config, 2));
        Map<String, Object> adapters = replica.awaitLive(2, null);
        long v2WentLive = wentLiveAt(ServingInstance.version(adapters, 2));
        // the swap completes after the publish, and the live version's time is the replica's
        assertThat(v2WentLive)
            .isGreaterThanOrEqualTo(beforeSecondPublish)
            .isLessThanOrEqualTo(System.currentTimeMillis());
        assertThat(((Number) adapters.get("live_since")).longValue()).isEqualTo(v2WentLive);
        assertThat(wentLiveAt(ServingInstance.version(adapters, 1))).isEqualTo(v1WentLive);
        assertThat(chat(replica).get("adapter_version")).isEqualTo(2);
        Map<String, Object> v1 = ServingInstance.version(adapters, 1);
        Map<String, Object> v2 = ServingInstance.version(adapters, 2);
        assertThat(v1.get("status")).isEqualTo("available");
        assertThat(v2.get("status")).isEqualTo("live");
        assertThat(v2.get("parent_version")).isEqualTo(1);
        assertThat(v2.get("metrics").toString()).contains("eval/rewards/accuracies");
        assertThat(((Number) v2.get("size_bytes")).longValue())
            .isGreaterThan(AdapterPublishing.CHUNK_BYTES);
        String metrics = replica.prometheus();
        assertThat(metrics).contains("feedloop_adapter_live_version 2.0");
        assertThat(metrics).containsPattern("feedloop_adapter_swaps_total(\\{[^}]*\\})? 2.0");
        assertThat(metrics).contains("feedloop_adapter_swap_duration_seconds_count");

        Reply unknown = replica.post("/v1/adapters/99/pin", Map.of());
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.body().toString()).contains("param=version").contains("not_found");
        Reply nothingPinned = replica.post("/v1/adapters/unpin", Map.of());
        assertThat(nothingPinned.status()).isEqualTo(409);
        assertThat(nothingPinned.body().get("error").toString()).contains("no adapter version");

        Map<String, Object> pinned = replica.act("/v1/adapters/0/pin");
        assertThat(pinned.get("operator")).isEqualTo("local");
        assertThat(pinned.get("action")).isEqualTo("pin");
        Map<String, Object> base = replica.awaitLive(0, 0L);
        assertThat(((Number) base.get("live_since")).longValue())
            .isGreaterThanOrEqualTo(v2WentLive);
        assertThat(chat(replica).get("adapter_version")).isNull();
        Reply rollbackWhilePinned = replica.post("/v1/adapters/rollback", Map.of());
        assertThat(rollbackWhilePinned.status()).isEqualTo(409);
        assertThat(rollbackWhilePinned.body().get("error").toString()).contains("pinned");
      }
    }
  }

  /**
   * Polls readiness from the moment the server listens: it may be DOWN at first, and whenever it is
   * UP the announced adapter is installed.
   */
  static void awaitReadyWithAdapter(ServingInstance replica, long version) {
    long deadline = System.nanoTime() + ServingInstance.WAIT.toNanos();
    while (true) {
      Reply readiness = replica.get("/health/readiness");
      if (readiness.status() == 200) {
        try (AdapterSlot.Lease lease = replica.slot().acquire()) {
          assertThat(lease.version()).isEqualTo(version);
          assertThat(lease.adapter()).isNotNull();
          assertThat(lease.adapter().isClosed()).isFalse();
        }
        assertThat(readiness.body().toString()).contains("UP");
        return;
      }
      assertThat(readiness.status()).isEqualTo(503);
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not ready within " + ServingInstance.WAIT + ": " + readiness);
      }
      ServingInstance.sleep(50);
    }
  }

  private static long wentLiveAt(Map<String, Object> version) {
    assertThat(version.get("went_live_at")).as("went_live_at of %s", version).isNotNull();
    return ((Number) version.get("went_live_at")).longValue();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> chat(ServingInstance replica) {
    Reply reply =
        replica.post(
            "/v1/chat/completions",
            Map.of(
                "model",
                "tiny-chat",
                "max_tokens",
                12,
                "seed",
                5,
                "messages",
                List.of(Map.of("role", "user", "content", PROMPT))));
    assertThat(reply.status()).as("chat answered %s", reply.body()).isEqualTo(200);
    return ((List<Map<String, Object>>) reply.body().get("choices")).get(0);
  }

  private static GenerationLogged generation(TopicNames topics, String generationId) {
    EventSerde<GenerationLogged> serde = EventSerde.of(GenerationLogged.class);
    Map<String, Object> config = SharedKafkaBroker.settings().clientConfig();
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topics.generations()).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (Objects.equals(record.key(), generationId)) {
            return serde.deserialize(record.topic(), record.value());
          }
        }
      }
    }
    throw new AssertionError("generation " + generationId + " never reached the topic");
  }
}
