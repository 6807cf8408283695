package dev.feedloop.users;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.FeedbackKind;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.synthetic.HiddenPreference;
import dev.feedloop.synthetic.PromptSplit;
import dev.feedloop.synthetic.StyleShares;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The users and the evaluator against a real serving replica (models/tiny-chat) on the shared
 * embedded broker, through serving's HTTP API only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UsersAgainstServingTest {
  private TopicNames topics;
  private EmbeddedServer serving;
  private String baseUrl;

  @BeforeAll
  void startServing() {
    topics = SharedKafkaBroker.createUniqueTopics("simulated-users");
    String generations = topics.generations();
    serving =
        ApplicationContext.run(
            EmbeddedServer.class,
            Map.of(
                "micronaut.server.port",
                -1,
                "feedloop.kafka.bootstrap-servers",
                SharedKafkaBroker.bootstrapServers(),
                "feedloop.kafka.topic-prefix",
                generations.substring(0, generations.length() - "generations".length()),
                "feedloop.serving.model-dir",
                "../../models/tiny-chat"));
    baseUrl = "http://127.0.0.1:" + serving.getPort();
  }

  @AfterAll
  void stopServing() {
    if (serving != null) {
      serving.getApplicationContext().close();
    }
  }

  @Test
  void usersChatAndEveryKindOfFeedbackReachesTheFeedbackTopic() throws Exception {
    UsersSettings settings =
        UsersSettings.builder()
            .baseUrl(baseUrl)
            .users(6)
            .idPrefix("it-user")
            .requestsPerSecond(6)
            .concurrency(3)
            .duration(Duration.ofSeconds(12))
            // retractions often and every kind likely within a few seconds
            .mix(new FeedbackMix(0.4, 0.3, 0.3, 0.3))
            .seed(42)
            .build();
    SimulatedUsers users = new SimulatedUsers(settings);

    Outcomes.Snapshot outcomes = users.run();
    System.out.println("simulated users: " + outcomes);

    assertThat(outcomes.chats().get(Outcomes.Outcome.SUCCESS)).as("%s", outcomes).isPositive();
    assertThat(outcomes.chats().get(Outcomes.Outcome.SERVER_ERROR)).isZero();
    assertThat(outcomes.chats().get(Outcomes.Outcome.NO_RESPONSE)).isZero();
    assertThat(outcomes.feedback().get(Outcomes.Outcome.CLIENT_ERROR)).as("%s", outcomes).isZero();
    assertThat(outcomes.feedback().get(Outcomes.Outcome.SERVER_ERROR)).isZero();
    Map<FeedbackKind, Long> accepted = outcomes.acceptedByKind();
    assertThat(accepted.get(FeedbackKind.THUMBS_DOWN) + accepted.get(FeedbackKind.THUMBS_UP))
        .as("%s", outcomes)
        .isPositive();
    assertThat(accepted.get(FeedbackKind.CHOICE)).as("%s", outcomes).isPositive();
    assertThat(accepted.get(FeedbackKind.EDIT)).as("%s", outcomes).isPositive();
    assertThat(accepted.get(FeedbackKind.RETRACT)).as("%s", outcomes).isPositive();
    long total = accepted.values().stream().mapToLong(Long::longValue).sum();

    Map<FeedbackKind, Long> inTopic = feedbackInTopic(total);
    assertThat(inTopic).as("feedback events by kind").isEqualTo(nonZero(accepted));
  }

  @Test
  void theEvaluatorScoresHeldOutPromptsConsistentlyWithTheJudge() throws Exception {
    HiddenPreference preference = PreferenceSpec.parse(PreferenceSpec.DEFAULT);
    Evaluator evaluator = new Evaluator(new ServingClient(baseUrl, null, "feedloop"), 4, 96);

    EvaluationResult result = evaluator.evaluate(preference, 20, true);

    assertThat(result.prompts()).isEqualTo(20);
    assertThat(result.failures()).isZero();
    assertThat(result.adapterVersion()).isNull();
    assertThat(result.answersByVersion()).isEqualTo(Map.of(0L, 20));
    List<String> prompts = result.answers().stream().map(EvaluationResult.Answer::prompt).toList();
    List<String> texts = result.answers().stream().map(EvaluationResult.Answer::text).toList();
    assertThat(prompts).allMatch(PromptSplit.ofCorpus()::isEvaluation);
    assertThat(result.sampled()).isEqualTo(StyleShares.measure(prompts, texts, preference));
    assertThat(result.sampledStyle())
        .isEqualTo(texts.stream().filter(preference::satisfiedBy).count() / 20.0);
    for (StyleShares shares : List.of(result.sampled(), result.greedy())) {
      assertThat(shares.answers()).isEqualTo(20);
      assertThat(shares.preferred()).isBetween(0.0, 1.0).isLessThanOrEqualTo(shares.wellFormed());
      assertThat(shares.wellFormed()).isBetween(0.0, 1.0);
    }
    assertThat(result.satisfaction()).isLessThanOrEqualTo(result.sampledStyle());
    // the base model satisfies the default preference in ~8% of sampled answers (200 prompts);
    // 7 or more of 20 would happen by chance about once in a thousand runs
    assertThat(result.satisfaction()).isLessThanOrEqualTo(0.30);
    System.out.println("evaluation of the base model: " + result);
  }

  /** Feedback events of the users in the feedback topic, by kind, once {@code expected} are in. */
  private Map<FeedbackKind, Long> feedbackInTopic(long expected) {
    EventSerde<FeedbackReceived> serde = EventSerde.of(FeedbackReceived.class);
    Map<FeedbackKind, Long> byKind = new EnumMap<>(FeedbackKind.class);
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(
            SharedKafkaBroker.settings().clientConfig(),
            new StringDeserializer(),
            new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topics.feedback()).stream()
              .map(info -> new TopicPartition(topics.feedback(), info.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long seen = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (seen < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          FeedbackReceived event = serde.deserialize(topics.feedback(), record.value());
          if (event.getUserId() != null && event.getUserId().toString().startsWith("it-user-")) {
            byKind.merge(event.getKind(), 1L, Long::sum);
            seen++;
          }
        }
      }
    }
    return byKind;
  }

  private static Map<FeedbackKind, Long> nonZero(Map<FeedbackKind, Long> counts) {
    Map<FeedbackKind, Long> nonZero = new EnumMap<>(FeedbackKind.class);
    counts.forEach(
        (kind, count) -> {
          if (count > 0) {
            nonZero.put(kind, count);
          }
        });
    return nonZero;
  }
}
