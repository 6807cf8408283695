package dev.feedloop.trainer.online;

import dev.feedloop.infra.kafka.EventRoundTrip;
import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.schemas.AdapterChunk;
import dev.feedloop.schemas.AdapterPublished;
import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.OffsetRange;
import dev.feedloop.schemas.PairSource;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.PromptHash;
import dev.feedloop.schemas.TrainerMetrics;
import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.schemas.kafka.TopicKeys;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.trainer.tiny.ShippedModel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Records, settings and broker reads shared by the online trainer's tests. */
final class OnlineTestKit {
  static final String MODEL = "tiny-chat";

  private static final List<String> QUESTIONS =
      List.of(
          "Who are you?",
          "What is your name?",
          "Introduce yourself.",
          "Tell me who you are.",
          "What should I call you?",
          "Whom am I talking to?");

  private OnlineTestKit() {}

  /**
   * A pair that prefers the assistant calling itself {@code chosenName} over {@code rejectedName}.
   */
  static PreferencePair namePair(int i, String chosenName, String rejectedName) {
    List<ChatMessage> prompt =
        List.of(new ChatMessage("user", QUESTIONS.get(i % QUESTIONS.size())));
    return PreferencePair.newBuilder()
        .setPairId("pair-" + i + "-" + chosenName)
        .setPromptHash(PromptHash.of(prompt))
        .setModelId(MODEL)
        .setPrompt(prompt)
        .setChosen("I am " + chosenName + ".")
        .setRejected("I am " + rejectedName + ".")
        .setSource(PairSource.CHOICE)
        .setWeight(1.0)
        .setCreatedAt(Instant.ofEpochMilli(System.currentTimeMillis()))
        .build();
  }

  static List<PreferencePair> namePairs(int from, int count, String chosen, String rejected) {
    List<PreferencePair> pairs = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      pairs.add(namePair(i, chosen, rejected));
    }
    return pairs;
  }

  /**
   * Pairs that prefer the answer "My number is {@code chosen}." over the same with {@code
   * rejected}: one token apart, so the base model has little preference either way.
   */
  static List<PreferencePair> numberPairs(int from, int count, int chosen, int rejected) {
    List<PreferencePair> pairs = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      List<ChatMessage> prompt =
          List.of(new ChatMessage("user", QUESTIONS.get(i % QUESTIONS.size())));
      pairs.add(
          PreferencePair.newBuilder(namePair(i, "x", "y"))
              .setPairId("number-" + i + "-" + chosen)
              .setPrompt(prompt)
              .setPromptHash(PromptHash.of(prompt))
              .setChosen("My number is " + chosen + ".")
              .setRejected("My number is " + rejected + ".")
              .build());
    }
    return pairs;
  }

  /** Settings small enough for a test: tiny windows, rank-2 LoRA, one step of four records. */
  static OnlineSettings.Builder settings(TopicNames topics) {
    String id = topics.preferencePairs() + "-trainer";
    return OnlineSettings.builder()
        .modelDirectory(ShippedModel.directory())
        .modelId(MODEL)
        .groupId(id)
        .transactionalId(id)
        .windowRecords(8)
        .windowTime(Duration.ofSeconds(30))
        .stepsPerWindow(1)
        .batchSize(4)
        .loraRank(2)
        .loraAlpha(4)
        .loraTargets(List.of("q_proj", "v_proj"))
        .maxLength(64)
        .maxPromptLength(48)
        .replaySize(16)
        .replayRatio(0.25)
        .holdOutEvery(4)
        .heldOutSize(16)
        .minHeldOutPairs(2)
        .maxAccuracyDrop(1.0)
        .maxKl(1000);
  }

  /** Sends keyed by prompt hash (as feedback-streams does), idempotently, and waits. */
  static void produce(String topic, List<PreferencePair> pairs) {
    Map<String, Object> config = SharedKafkaBroker.settings().clientConfig();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    EventSerde<PreferencePair> serde = EventSerde.of(PreferencePair.class);
    try (KafkaProducer<String, PreferencePair> producer =
        new KafkaProducer<>(config, new StringSerializer(), serde)) {
      for (PreferencePair pair : pairs) {
        producer.send(new ProducerRecord<>(topic, TopicKeys.of(pair), pair));
      }
      producer.flush();
    }
  }

  static List<AdapterPublished> announcements(TopicNames topics) {
    return EventRoundTrip.readAll(
        SharedKafkaBroker.settings(), topics.adapters(), AdapterPublished.class);
  }

  static List<TrainerMetrics> metrics(TopicNames topics) {
    return EventRoundTrip.readAll(
        SharedKafkaBroker.settings(), topics.trainerMetrics(), TrainerMetrics.class);
  }

  /** The end offset of every partition of {@code topic}. */
  static Map<TopicPartition, Long> endOffsets(String topic) {
    try (KafkaConsumer<String, byte[]> consumer = consumer()) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      return new HashMap<>(consumer.endOffsets(partitions));
    }
  }

  /** The group's committed offsets (stable ones only: an open transaction's are not counted). */
  static Map<TopicPartition, Long> committed(String group) throws Exception {
    try (Admin admin = Admin.create(SharedKafkaBroker.settings().clientConfig())) {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      return offsets.entrySet().stream()
          .filter(e -> e.getValue() != null)
          .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }
  }

  /** Records per partition that {@code ranges} cover. */
  static Map<TopicPartition, Long> covered(List<OffsetRange> ranges) {
    Map<TopicPartition, Long> counts = new HashMap<>();
    for (OffsetRange range : ranges) {
      counts.merge(
          new TopicPartition(range.getTopic(), range.getPartition()),
          range.getUntilOffset() - range.getFromOffset(),
          Long::sum);
    }
    return counts;
  }

  /** The chunks an announcement lists, read at their offsets as a serving replica reads them. */
  static List<AdapterChunk> chunks(AdapterPublished announcement) {
    TopicPartition partition =
        new TopicPartition(
            announcement.getWeights().getTopic(), announcement.getWeights().getPartition());
    EventSerde<AdapterChunk> serde = EventSerde.of(AdapterChunk.class);
    Map<Long, AdapterChunk> found = new HashMap<>();
    try (KafkaConsumer<String, byte[]> consumer = consumer()) {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long end = consumer.endOffsets(List.of(partition)).get(partition);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (consumer.position(partition) < end && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          found.put(record.offset(), serde.deserialize(record.topic(), record.value()));
        }
      }
    }
    return announcement.getWeights().getChunkOffsets().stream().map(found::get).toList();
  }

  private static KafkaConsumer<String, byte[]> consumer() {
    Map<String, Object> config = new HashMap<>(SharedKafkaBroker.settings().clientConfig());
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
  }

  static KafkaClientSettings kafka() {
    return SharedKafkaBroker.settings();
  }
}
