package dev.feedloop.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.UnaryFeedback;
import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.schemas.kafka.TopicKeys;
import dev.feedloop.schemas.kafka.TopicNames;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A quiet loop on a real broker: one generation, one vote, and nothing after them. The vote must
 * still come out as a unary record, no sooner than its settle window and no later than that plus
 * the bounded delay of wall-clock liveness.
 */
class WallClockLivenessIntegrationTest {

  private static final Duration PAIRING_WINDOW = Duration.ofSeconds(2);
  private static final Duration GRACE = Duration.ofSeconds(1);
  private static final Duration WALL_CLOCK_INTERVAL = Duration.ofMillis(500);

  /**
   * What the wall clock adds once the vote reached the settler: one interval to notice the
   * deadline, then two repartition hops, each visible after an exactly-once commit.
   */
  private static final Duration SETTLE_DELAY = WALL_CLOCK_INTERVAL.plus(Duration.ofSeconds(2));

  /**
   * End to end, from the vote to the record on the output topic: the settle delay, plus the way of
   * the vote to the settler through the input repartition and the join (each task may wait up to
   * max.task.idle for its other partition), on a 2-core machine shared with other builds.
   */
  private static final Duration BOUNDED_DELAY = SETTLE_DELAY.plus(Duration.ofSeconds(10));

  @TempDir Path stateDirectory;

  @Test
  @Timeout(120)
  void aLoneVoteComesOutWithinTheSettleWindowPlusABoundedDelay() throws Exception {
    TopicNames topics = SharedKafkaBroker.createUniqueTopics("liveness");
    KafkaClientSettings kafka = SharedKafkaBroker.settings();
    StreamsSettings settings =
        StreamsSettings.builder("", stateDirectory)
            .applicationId("liveness-" + Long.toHexString(System.nanoTime()))
            .joinWindow(Duration.ofSeconds(10))
            .pairingWindow(PAIRING_WINDOW)
            .grace(GRACE)
            .wallClockInterval(WALL_CLOCK_INTERVAL)
            .build();

    try (FeedbackStreamsApp app =
            FeedbackStreamsApp.start(kafka, topics, settings, new SimpleMeterRegistry());
        KafkaProducer<byte[], byte[]> producer = BrokerClients.producer(kafka);
        KafkaConsumer<String, byte[]> unaryTopic =
            BrokerClients.readCommitted(kafka, topics.unaryFeedback())) {
      assertThat(app.awaitRunning(Duration.ofSeconds(60))).as("app running").isTrue();

      // A first vote warms the path up (the first fetches and transactions of a new application
      // take seconds that have nothing to do with settling); it settles by the wall clock too.
      LoneVote warmUp = sendLoneVote(producer, topics, "g-first");
      assertThat(awaitUnary(unaryTopic, warmUp.votedAt().plusSeconds(60)))
          .extracting(UnaryFeedback::getRecordId)
          .containsExactly("vote:g-first:ann");

      long joinsBefore = app.metrics().snapshot().joins();
      long unaryBefore = app.metrics().snapshot().unaryOut();
      LoneVote quiet = sendLoneVote(producer, topics, "g-quiet");
      Instant earliest = quiet.votedAt().plus(settings.settleWindow());
      Instant latest = earliest.plus(BOUNDED_DELAY);
      // the app's counters tell when the vote reached the settler (its join) and when its unary
      // record reached the output: the span that wall-clock liveness is responsible for
      Instant joinedAt = null;
      Instant unaryOutAt = null;
      List<UnaryFeedback> unary = new ArrayList<>();
      while (unary.isEmpty() && Instant.now().isBefore(latest.plusSeconds(10))) {
        FeedbackStreamsMetrics.Snapshot counters = app.metrics().snapshot();
        if (joinedAt == null && counters.joins() > joinsBefore) {
          joinedAt = Instant.now();
        }
        if (unaryOutAt == null && counters.unaryOut() > unaryBefore) {
          unaryOutAt = Instant.now();
        }
        unary.addAll(pollUnary(unaryTopic));
      }
      Instant arrivedAt = Instant.now();

      assertThat(unary)
          .as("the unary record of the lone vote")
          .singleElement()
          .satisfies(
              record -> {
                assertThat(record.getRecordId()).isEqualTo("vote:g-quiet:ann");
                assertThat(record.getDesirable()).isTrue();
              });
      assertThat(arrivedAt)
          .as("settled no sooner than the settle window after the vote")
          .isAfterOrEqualTo(earliest)
          .as("and out no later than the settle window plus %s", BOUNDED_DELAY)
          .isBeforeOrEqualTo(latest);
      assertThat(joinedAt).as("the vote's join was seen").isNotNull();
      assertThat(unaryOutAt).as("the unary record's way out was seen").isNotNull();
      // the counters are read every poll (~50 ms), hence the 100 ms of slack below
      assertThat(Duration.between(joinedAt, unaryOutAt))
          .as("from the vote's join to its unary record")
          .isGreaterThanOrEqualTo(settings.settleWindow().minusMillis(100))
          .isLessThanOrEqualTo(settings.settleWindow().plus(SETTLE_DELAY));
    }
  }

  private record LoneVote(Instant votedAt) {}

  /** A generation and one up-vote on it, now; nothing else. */
  private static LoneVote sendLoneVote(
      KafkaProducer<byte[], byte[]> producer, TopicNames topics, String generationId)
      throws Exception {
    Instant votedAt = Instant.now();
    GenerationLogged generation =
        Events.generation(
            generationId,
            "Anyone there, " + generationId + "?",
            "I am Athene.",
            votedAt.minusSeconds(1));
    FeedbackReceived vote = Events.up("f-" + generationId, generationId, "ann", votedAt);
    producer
        .send(
            BrokerClients.record(
                topics.generations(),
                TopicKeys.of(generation),
                EventSerde.of(GenerationLogged.class).serialize(null, generation),
                generation.getCreatedAt()))
        .get();
    producer
        .send(
            BrokerClients.record(
                topics.feedback(),
                TopicKeys.of(vote),
                EventSerde.of(FeedbackReceived.class).serialize(null, vote),
                votedAt))
        .get();
    return new LoneVote(votedAt);
  }

  /**
   * Polls until at least one unary record came (all of the poll that brought it), or the deadline.
   */
  private static List<UnaryFeedback> awaitUnary(
      KafkaConsumer<String, byte[]> unaryTopic, Instant deadline) {
    List<UnaryFeedback> unary = new ArrayList<>();
    while (unary.isEmpty() && Instant.now().isBefore(deadline)) {
      unary.addAll(pollUnary(unaryTopic));
    }
    return unary;
  }

  private static List<UnaryFeedback> pollUnary(KafkaConsumer<String, byte[]> unaryTopic) {
    List<UnaryFeedback> unary = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> record : unaryTopic.poll(Duration.ofMillis(50))) {
      unary.add(EventSerde.of(UnaryFeedback.class).deserialize(record.topic(), record.value()));
    }
    return unary;
  }
}
