package dev.feedloop.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.schemas.DeadLetter;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.PairSource;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.PromptHash;
import dev.feedloop.schemas.UnaryFeedback;
import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.schemas.kafka.TopicNames;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The app on a real broker with exactly_once_v2: thousands of events in, exactly the expected
 * training records and dead letters out, once each, across a stop and restart mid-stream.
 */
class FeedbackStreamsIntegrationTest {

  private static final int PROMPTS = 300;
  private static final int CAP = 40;
  private static final int SPAM_EDITS = 60;
  private static final Duration AWAIT = Duration.ofSeconds(60);
  private static final Duration PRECONDITION_AWAIT = Duration.ofMinutes(4);

  @TempDir Path stateDirectory;

  private final EventSerde<GenerationLogged> generationSerde =
      EventSerde.of(GenerationLogged.class);
  private final EventSerde<FeedbackReceived> feedbackSerde = EventSerde.of(FeedbackReceived.class);

  @Test
  @Timeout(300)
  void exactlyTheExpectedRecordsComeOutOnceAcrossARestart() throws Exception {
    TopicNames topics = SharedKafkaBroker.createUniqueTopics("streams-it");
    KafkaClientSettings kafka = SharedKafkaBroker.settings();
    StreamsSettings settings =
        StreamsSettings.builder("", stateDirectory)
            .applicationId("streams-it-" + Long.toHexString(System.nanoTime()))
            .joinWindow(Duration.ofMinutes(10))
            .pairingWindow(Duration.ofMinutes(1))
            // Each half of the scenario is sent in one burst spanning five minutes of event time.
            // A settler task reads a repartition topic that several upstream join tasks write
            // into; one of them may run minutes of event time ahead of another (on a loaded
            // 2-core machine, or while a restarted task restores), and a flip behind it would
            // then count as late. The grace covers the burst, so the outcome is exact.
            .grace(Duration.ofMinutes(10))
            .userCap(CAP)
            .userCapWindow(Duration.ofDays(1))
            .processingGuarantee(StreamsConfig.EXACTLY_ONCE_V2)
            .build();
    // event times lie in the past: a broker refuses timestamps more than an hour ahead
    Instant base =
        Instant.now()
            .minus(2, ChronoUnit.HOURS)
            .truncatedTo(ChronoUnit.DAYS)
            .plus(1, ChronoUnit.HOURS);
    if (base.isAfter(Instant.now().minus(90, ChronoUnit.MINUTES))) {
      base = base.minus(1, ChronoUnit.DAYS);
    }
    Scenario scenario = new Scenario(base);
    List<ProducerRecord<byte[], byte[]>> inputs = scenario.inputs(topics);
    int half = inputs.size() / 2;

    try (KafkaProducer<byte[], byte[]> producer = BrokerClients.producer(kafka)) {
      FeedbackStreamsApp first =
          FeedbackStreamsApp.start(kafka, topics, settings, new SimpleMeterRegistry());
      try {
        assertThat(first.awaitRunning(AWAIT)).as("first instance running").isTrue();
        send(producer, inputs.subList(0, half));
        // stop only once the first instance has output something (choices and edits come out at
        // once)
        awaitCount(kafka, topics.preferencePairs(), 1);
      } finally {
        first.close();
      }

      FeedbackStreamsApp second =
          FeedbackStreamsApp.start(kafka, topics, settings, new SimpleMeterRegistry());
      try {
        assertThat(second.awaitRunning(AWAIT)).as("restarted instance running").isTrue();
        send(producer, inputs.subList(half, inputs.size()));
        // Choices and edits come out as soon as they join: once all have, every task has read all
        // its feedback and the choices made their round trip. Only then may stream time leap ahead.
        EventSerde<PreferencePair> pairs = EventSerde.of(PreferencePair.class);
        // a precondition, not a result: flushing earlier would close windows on choices still on
        // their way, so wait as long as a slow machine needs and say so if it never happens
        assertThat(
                awaitCount(
                    kafka,
                    topics.preferencePairs(),
                    2 * PROMPTS,
                    bytes -> {
                      PreferencePair pair = pairs.deserialize(null, bytes);
                      return pair.getSource() != PairSource.VOTES
                          && !pair.getUserId().equals("mallory");
                    },
                    PRECONDITION_AWAIT))
            .as("every choice and edit pair out before stream time leaps ahead")
            .isGreaterThanOrEqualTo(2 * PROMPTS);
        send(producer, scenario.streamTimeFlush(topics));
        awaitCount(kafka, topics.unaryFeedback(), scenario.expectedUnary.size());
        awaitCount(kafka, topics.preferencePairs(), scenario.expectedPairs.size() + CAP);
        awaitCount(
            kafka, topics.deadLetter(), scenario.expectedDeadLetters.size() + (SPAM_EDITS - CAP));
      } finally {
        second.close();
      }
    }

    // the app is closed: everything it wrote is committed and nothing more can come
    List<ConsumerRecord<String, byte[]>> unaryRecords = readAll(kafka, topics.unaryFeedback());
    List<ConsumerRecord<String, byte[]>> pairRecords = readAll(kafka, topics.preferencePairs());
    List<ConsumerRecord<String, byte[]>> deadLetterRecords = readAll(kafka, topics.deadLetter());

    EventSerde<UnaryFeedback> unarySerde = EventSerde.of(UnaryFeedback.class);
    List<String> unary = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> record : unaryRecords) {
      UnaryFeedback value = unarySerde.deserialize(record.topic(), record.value());
      assertThat(record.key()).isEqualTo(PromptHash.of(value.getPrompt()));
      unary.add(
          value.getGenerationId()
              + " "
              + value.getUserId()
              + " "
              + value.getDesirable()
              + " "
              + value.getCreatedAt());
    }
    assertThat(unary).containsExactlyInAnyOrderElementsOf(scenario.expectedUnary);

    EventSerde<PreferencePair> pairSerde = EventSerde.of(PreferencePair.class);
    List<String> pairs = new ArrayList<>();
    List<String> spamPairs = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> record : pairRecords) {
      PreferencePair value = pairSerde.deserialize(record.topic(), record.value());
      assertThat(record.key()).isEqualTo(PromptHash.of(value.getPrompt()));
      String description =
          value.getPairId()
              + " "
              + value.getSource()
              + " "
              + value.getChosenGenerationId()
              + ">"
              + value.getRejectedGenerationId()
              + " "
              + value.getUserId()
              + " "
              + value.getWeight()
              + " ["
              + value.getChosen()
              + "]>["
              + value.getRejected()
              + "]";
      (value.getUserId().equals("mallory") ? spamPairs : pairs).add(description);
    }
    assertThat(pairs).containsExactlyInAnyOrderElementsOf(scenario.expectedPairs);

    EventSerde<DeadLetter> deadLetterSerde = EventSerde.of(DeadLetter.class);
    List<String> deadLetters = new ArrayList<>();
    List<String> capped = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> record : deadLetterRecords) {
      DeadLetter letter = deadLetterSerde.deserialize(record.topic(), record.value());
      if (letter.getReason().equals("undecodable")) {
        deadLetters.add(
            "undecodable " + new String(bytes(letter.getOriginalValue()), StandardCharsets.UTF_8));
        continue;
      }
      FeedbackReceived feedback =
          feedbackSerde.deserialize("feedback", bytes(letter.getOriginalValue()));
      assertThat(letter.getSourceTopic()).isEqualTo(topics.feedback());
      (letter.getReason().equals("user-cap-exceeded") ? capped : deadLetters)
          .add(letter.getReason() + " " + feedback.getFeedbackId());
    }
    assertThat(deadLetters).containsExactlyInAnyOrderElementsOf(scenario.expectedDeadLetters);

    // which of the spammer's edits pass depends on arrival order; how many, and that none is lost
    // or doubled, does not
    assertThat(spamPairs).hasSize(CAP).doesNotHaveDuplicates();
    assertThat(capped).hasSize(SPAM_EDITS - CAP).doesNotHaveDuplicates();
    List<String> spamIds =
        new ArrayList<>(capped.stream().map(c -> c.substring(c.indexOf(' ') + 1)).toList());
    spamPairs.forEach(p -> spamIds.add(p.substring("edit:".length(), p.indexOf(' '))));
    assertThat(spamIds).containsExactlyInAnyOrderElementsOf(scenario.spamFeedbackIds);
  }

  /**
   * Per prompt p: four generations g0..g3. g0 up-voted; g1 down-voted by another user; g2 up-voted
   * then flipped to down by the first user; g3 up-voted then retracted. A choice of g0 over g1, an
   * edit of g1. Every 7th prompt's feedback is sent before its generations; every 5th prompt's
   * first vote is sent twice; every 10th prompt has a vote on a generation never logged and a
   * near-identical edit. A spammer edits g3 of the first 60 prompts. The expected output is written
   * out here by hand, independent of the topology's code.
   */
  private final class Scenario {
    final Instant base;
    final List<String> expectedUnary = new ArrayList<>();
    final List<String> expectedPairs = new ArrayList<>();
    final List<String> expectedDeadLetters = new ArrayList<>();
    final List<String> spamFeedbackIds = new ArrayList<>();

    Scenario(Instant base) {
      this.base = base;
    }

    private Instant at(int prompt, int second) {
      return base.plusSeconds(prompt * 2L + second);
    }

    List<ProducerRecord<byte[], byte[]>> inputs(TopicNames topics) {
      List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
      Map<String, Integer> userRecords = new HashMap<>();
      for (int p = 0; p < PROMPTS; p++) {
        String question = "Question number " + p + "?";
        String voter = "voter-" + (p % 97);
        String critic = "critic-" + (p % 89);
        String chooser = "chooser-" + (p % 83);
        String editor = "editor-" + (p % 79);
        String[] answers = {
          "Answer A to question " + p + ": I am Athene and glad to help.",
          "Answer B " + p + ", short.",
          "Answer C for " + p + " which rambles on about nothing in particular.",
          "Answer D (" + p + ") is a plain statement."
        };
        List<ProducerRecord<byte[], byte[]>> generations = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
          GenerationLogged generation =
              Events.generation(
                  "p" + p + "-g" + k, question, answers[k], at(p, 0), (long) (k % 2 == 0 ? 5 : 4));
          generations.add(
              BrokerClients.record(
                  topics.generations(),
                  generation.getGenerationId(),
                  generationSerde.serialize(null, generation),
                  at(p, 0)));
        }
        List<ProducerRecord<byte[], byte[]>> feedback = new ArrayList<>();
        String g0 = "p" + p + "-g0",
            g1 = "p" + p + "-g1",
            g2 = "p" + p + "-g2",
            g3 = "p" + p + "-g3";
        feedback.add(fb(topics, Events.up("p" + p + "-f1", g0, voter, at(p, 1))));
        if (p % 5 == 0) {
          feedback.add(fb(topics, Events.up("p" + p + "-f1", g0, voter, at(p, 1))));
        }
        feedback.add(fb(topics, Events.down("p" + p + "-f2", g1, critic, at(p, 2))));
        feedback.add(fb(topics, Events.up("p" + p + "-f3", g2, voter, at(p, 3))));
        feedback.add(fb(topics, Events.down("p" + p + "-f4", g2, voter, at(p, 4))));
        feedback.add(fb(topics, Events.up("p" + p + "-f5", g3, voter, at(p, 5))));
        feedback.add(fb(topics, Events.retract("p" + p + "-f6", g3, voter, at(p, 6))));
        feedback.add(fb(topics, Events.choice("p" + p + "-f7", g0, g1, chooser, at(p, 7))));
        String edited = "Corrected answer " + p + ": Athene here, happy to help you.";
        feedback.add(fb(topics, Events.edit("p" + p + "-f8", g1, editor, edited, at(p, 8))));

        expectedUnary.add(g0 + " " + voter + " true " + at(p, 1));
        expectedUnary.add(g1 + " " + critic + " false " + at(p, 2));
        expectedUnary.add(g2 + " " + voter + " false " + at(p, 4));
        expectedPairs.add(
            "votes:"
                + g0
                + ">"
                + g1
                + " VOTES "
                + g0
                + ">"
                + g1
                + " "
                + critic
                + " 0.5 ["
                + answers[0]
                + "]>["
                + answers[1]
                + "]");
        expectedPairs.add(
            "votes:"
                + g0
                + ">"
                + g2
                + " VOTES "
                + g0
                + ">"
                + g2
                + " "
                + voter
                + " 1.0 ["
                + answers[0]
                + "]>["
                + answers[2]
                + "]");
        expectedPairs.add(
            "choice:p"
                + p
                + "-f7 CHOICE "
                + g0
                + ">"
                + g1
                + " "
                + chooser
                + " 1.0 ["
                + answers[0]
                + "]>["
                + answers[1]
                + "]");
        expectedPairs.add(
            "edit:p"
                + p
                + "-f8 EDIT null>"
                + g1
                + " "
                + editor
                + " 1.0 ["
                + edited
                + "]>["
                + answers[1]
                + "]");
        userRecords.merge(voter, 3, Integer::sum); // g0, g2 unary and the g0>g2 pair
        userRecords.merge(critic, 2, Integer::sum);
        userRecords.merge(chooser, 1, Integer::sum);
        userRecords.merge(editor, 1, Integer::sum);

        if (p % 10 == 0) {
          feedback.add(
              fb(topics, Events.up("p" + p + "-f9", "p" + p + "-never-logged", voter, at(p, 9))));
          feedback.add(
              fb(
                  topics,
                  Events.edit(
                      "p" + p + "-f10",
                      g2,
                      editor,
                      answers[2].replace("rambles", "rambls"),
                      at(p, 9))));
          expectedDeadLetters.add("unknown-generation p" + p + "-f9");
          expectedDeadLetters.add("near-identical-pair p" + p + "-f10");
        }
        if (p < SPAM_EDITS) {
          String id = "p" + p + "-spam";
          feedback.add(
              fb(
                  topics,
                  Events.edit(
                      id,
                      g3,
                      "mallory",
                      "Buy cheap watches at example dot com, offer " + p,
                      at(p, 10))));
          spamFeedbackIds.add(id);
        }
        if (p % 50 == 0) {
          records.add(
              new ProducerRecord<>(
                  topics.feedback(),
                  null,
                  at(p, 1).toEpochMilli(),
                  g0.getBytes(StandardCharsets.UTF_8),
                  ("garbage " + p).getBytes(StandardCharsets.UTF_8)));
          expectedDeadLetters.add("undecodable garbage " + p);
        }
        if (p % 7 == 0) {
          records.addAll(feedback);
          records.addAll(generations);
        } else {
          records.addAll(generations);
          records.addAll(feedback);
        }
      }
      userRecords.forEach(
          (user, count) ->
              assertThat(count)
                  .as("records of %s stay under the cap", user)
                  .isLessThanOrEqualTo(CAP));
      return records;
    }

    /**
     * Moves every input partition's stream time past every window, so all votes settle and all
     * joins close.
     */
    List<ProducerRecord<byte[], byte[]>> streamTimeFlush(TopicNames topics) {
      Instant later = base.plus(90, ChronoUnit.MINUTES);
      List<ProducerRecord<byte[], byte[]>> flush = new ArrayList<>();
      for (int partition = 0; partition < 3; partition++) {
        GenerationLogged tick = Events.generation("flush-" + partition, "flush", "flush", later);
        flush.add(
            new ProducerRecord<>(
                topics.generations(),
                partition,
                later.toEpochMilli(),
                tick.getGenerationId().getBytes(StandardCharsets.UTF_8),
                generationSerde.serialize(null, tick)));
      }
      return flush;
    }

    private ProducerRecord<byte[], byte[]> fb(TopicNames topics, FeedbackReceived feedback) {
      return BrokerClients.record(
          topics.feedback(),
          feedback.getGenerationId(),
          feedbackSerde.serialize(null, feedback),
          feedback.getReceivedAt());
    }
  }

  private static void send(
      KafkaProducer<byte[], byte[]> producer, List<ProducerRecord<byte[], byte[]>> records)
      throws Exception {
    List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
    for (ProducerRecord<byte[], byte[]> record : records) {
      sent.add(producer.send(record));
    }
    producer.flush();
    for (var future : sent) {
      future.get();
    }
  }

  /** Every committed record of the topic, read to its end. */
  private static List<ConsumerRecord<String, byte[]>> readAll(
      KafkaClientSettings kafka, String topic) {
    try (KafkaConsumer<String, byte[]> consumer = BrokerClients.readCommitted(kafka, topic)) {
      Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
      List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
      long deadline = System.nanoTime() + AWAIT.toNanos();
      while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        if (System.nanoTime() > deadline) {
          throw new AssertionError("could not read " + topic + " to its end " + end);
        }
      }
      return records;
    }
  }

  private static void awaitCount(KafkaClientSettings kafka, String topic, int expected) {
    // the exact comparison that follows says what is missing
    awaitCount(kafka, topic, expected, value -> true, AWAIT);
  }

  /**
   * Polls until the topic holds at least {@code expected} committed records that match, or the time
   * is up; returns how many it saw.
   */
  private static int awaitCount(
      KafkaClientSettings kafka,
      String topic,
      int expected,
      Predicate<byte[]> matching,
      Duration atMost) {
    try (KafkaConsumer<String, byte[]> consumer = BrokerClients.readCommitted(kafka, topic)) {
      int seen = 0;
      long deadline = System.nanoTime() + atMost.toNanos();
      while (seen < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          seen += matching.test(record.value()) ? 1 : 0;
        }
      }
      return seen;
    }
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer copy = buffer.duplicate();
    byte[] bytes = new byte[copy.remaining()];
    copy.get(bytes);
    return bytes;
  }
}
