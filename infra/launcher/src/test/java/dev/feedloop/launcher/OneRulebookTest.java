package dev.feedloop.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.ChatMessages;
import dev.feedloop.schemas.DeadLetter;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.FeedbackKind;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.SamplingParameters;
import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.schemas.rules.RecordLimits;
import dev.feedloop.schemas.rules.RejectReason;
import dev.feedloop.schemas.rules.TextSimilarity;
import dev.feedloop.streams.FeedbackTopology;
import dev.feedloop.streams.StreamsSettings;
import dev.feedloop.trainer.data.DatasetFormat;
import dev.feedloop.trainer.data.ImportResult;
import dev.feedloop.trainer.data.PreferenceImporter;
import dev.feedloop.trainer.data.RecordDecision;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live feedback (through the feedback-streams topology) and a data file (through the trainer's
 * import) are judged by one rulebook: the same 200 pairs, near-duplicates on both sides of the
 * similarity threshold, identical, empty and over-long ones among them, get the same decision with
 * the same reason code on both paths, each path with its default limits.
 */
class OneRulebookTest {

  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

  /** One test pair; a null decision means accepted. */
  private record Case(List<ChatMessage> prompt, String chosen, String rejected) {}

  @Test
  void streamsAndImportAcceptAndRejectTheSamePairsForTheSameReasons(@TempDir Path dir)
      throws Exception {
    List<Case> cases = twoHundredPairs(new Random(20261202));

    List<Optional<RejectReason>> live = throughTheTopology(cases, dir.resolve("state"));
    List<Optional<RejectReason>> imported = throughTheImport(cases, dir.resolve("pairs.jsonl"));

    for (int i = 0; i < cases.size(); i++) {
      assertThat(imported.get(i)).as("pair %d: %s", i, cases.get(i)).isEqualTo(live.get(i));
    }
    // the set covers every rule, and both sides of the threshold
    Map<Optional<RejectReason>, Integer> counts = new HashMap<>();
    live.forEach(decision -> counts.merge(decision, 1, Integer::sum));
    assertThat(counts.keySet())
        .contains(
            Optional.empty(),
            Optional.of(RejectReason.NEAR_IDENTICAL_PAIR),
            Optional.of(RejectReason.IDENTICAL_PAIR),
            Optional.of(RejectReason.EMPTY_TEXT),
            Optional.of(RejectReason.TOO_LONG));
    double threshold = RecordLimits.defaults().similarityThreshold();
    long nearBelow =
        cases.stream()
            .map(c -> TextSimilarity.similarity(c.chosen(), c.rejected()))
            .filter(s -> s >= threshold - 0.05 && s < threshold)
            .count();
    long nearAbove =
        cases.stream()
            .filter(c -> !TextSimilarity.identical(c.chosen(), c.rejected()))
            .map(c -> TextSimilarity.similarity(c.chosen(), c.rejected()))
            .filter(s -> s >= threshold && s < threshold + 0.05)
            .count();
    assertThat(nearBelow).as("pairs just below the threshold").isGreaterThanOrEqualTo(10);
    assertThat(nearAbove).as("pairs just above the threshold").isGreaterThanOrEqualTo(10);
  }

  /** Each pair as two logged candidates of one request and a user's CHOICE between them. */
  private static List<Optional<RejectReason>> throughTheTopology(List<Case> cases, Path state) {
    StreamsSettings settings =
        StreamsSettings.builder("", state).applicationId("one-rulebook-test").build();
    assertThat(settings.recordLimits()).isEqualTo(RecordLimits.defaults());
    TopicNames topics = TopicNames.defaults();
    Properties properties = new Properties();
    properties.putAll(settings.streamsConfig(KafkaClientSettings.of("rulebook-test:9092"), 1));
    properties.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, 0L);
    EventSerde<DeadLetter> deadLetterSerde = EventSerde.of(DeadLetter.class);
    EventSerde<FeedbackReceived> feedbackSerde = EventSerde.of(FeedbackReceived.class);
    Map<String, Optional<RejectReason>> byFeedbackId = new HashMap<>();
    try (TopologyTestDriver driver =
        new TopologyTestDriver(FeedbackTopology.build(topics, settings), properties, T0)) {
      TestInputTopic<String, GenerationLogged> generations =
          driver.createInputTopic(
              topics.generations(), new StringSerializer(), EventSerde.of(GenerationLogged.class));
      TestInputTopic<String, FeedbackReceived> feedback =
          driver.createInputTopic(topics.feedback(), new StringSerializer(), feedbackSerde);
      for (int i = 0; i < cases.size(); i++) {
        Case c = cases.get(i);
        Instant at = T0.plusSeconds(i);
        GenerationLogged chosen = generation("g" + i + "a", c.prompt(), c.chosen(), 0, at);
        GenerationLogged rejected = generation("g" + i + "b", c.prompt(), c.rejected(), 1, at);
        generations.pipeInput(chosen.getGenerationId(), chosen, at);
        generations.pipeInput(rejected.getGenerationId(), rejected, at);
        FeedbackReceived choice =
            FeedbackReceived.newBuilder()
                .setFeedbackId("f" + i)
                .setGenerationId(chosen.getGenerationId())
                .setOtherGenerationId(rejected.getGenerationId())
                .setUserId("user-" + i)
                .setKind(FeedbackKind.CHOICE)
                .setReceivedAt(at.plusMillis(500))
                .build();
        feedback.pipeInput(choice.getGenerationId(), choice, choice.getReceivedAt());
      }
      driver
          .createOutputTopic(
              topics.preferencePairs(),
              new StringDeserializer(),
              EventSerde.of(PreferencePair.class))
          .readValuesToList()
          .forEach(
              pair -> byFeedbackId.put(pair.getPairId().replace("choice:", ""), Optional.empty()));
      for (DeadLetter letter :
          driver
              .createOutputTopic(topics.deadLetter(), new ByteArrayDeserializer(), deadLetterSerde)
              .readValuesToList()) {
        FeedbackReceived source =
            feedbackSerde.deserialize(topics.feedback(), bytes(letter.getOriginalValue()));
        byFeedbackId.put(
            source.getFeedbackId(), Optional.of(RejectReason.fromCode(letter.getReason())));
      }
    }
    List<Optional<RejectReason>> decisions = new ArrayList<>();
    for (int i = 0; i < cases.size(); i++) {
      assertThat(byFeedbackId).as("an outcome for pair %d", i).containsKey("f" + i);
      decisions.add(byFeedbackId.get("f" + i));
    }
    assertThat(byFeedbackId).hasSize(cases.size());
    return decisions;
  }

  /** The same pairs as a TRL conversational preference file, one line each. */
  private static List<Optional<RejectReason>> throughTheImport(List<Case> cases, Path file)
      throws Exception {
    List<String> lines = new ArrayList<>();
    for (Case c : cases) {
      JsonObject line = new JsonObject();
      JsonArray prompt = new JsonArray();
      for (ChatMessage message : c.prompt()) {
        prompt.add(message(message.getRole(), message.getContent()));
      }
      line.add("prompt", prompt);
      line.add("chosen", answer(c.chosen()));
      line.add("rejected", answer(c.rejected()));
      lines.add(line.toString());
    }
    Files.write(file, lines);
    ImportResult result =
        PreferenceImporter.builder()
            .format(DatasetFormat.TRL_CONVERSATIONAL)
            .build()
            .importFiles(List.of(file));
    List<Optional<RejectReason>> decisions = new ArrayList<>();
    for (int i = 0; i < cases.size(); i++) {
      List<RecordDecision> atLine = result.decisionsAt(file, i + 1);
      assertThat(atLine).as("one decision for line %d", i + 1).hasSize(1);
      decisions.add(atLine.get(0).reason());
    }
    return decisions;
  }

  private static List<Case> twoHundredPairs(Random random) {
    List<Case> cases = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      List<ChatMessage> prompt =
          List.of(ChatMessages.user("Question " + i + ": " + words(random, 6)));
      String answer = sentence(random, 8 + random.nextInt(25));
      switch (i % 10) {
        case 0, 1 -> cases.add(new Case(prompt, answer, sentence(random, 6 + random.nextInt(20))));
        case 2, 3, 4, 5 -> // a few character edits: similarities around the threshold
            cases.add(new Case(prompt, answer, typos(random, answer, 1 + random.nextInt(4))));
        case 6 -> // the same text up to case and whitespace
            cases.add(new Case(prompt, answer, "  " + answer.toUpperCase().replace(" ", "  ")));
        case 7 -> { // empty prompt, chosen or rejected
          switch (random.nextInt(3)) {
            case 0 -> cases.add(new Case(List.of(ChatMessages.user("   ")), answer, "Other."));
            case 1 -> cases.add(new Case(prompt, " \n", answer));
            default -> cases.add(new Case(prompt, answer, ""));
          }
        }
        case 8 -> { // over-long prompt or answer (default limits: 16,000 / 8,000 chars)
          if (random.nextBoolean()) {
            cases.add(
                new Case(
                    List.of(ChatMessages.user("q".repeat(RecordLimits.DEFAULT_MAX_PROMPT_CHARS))),
                    answer,
                    "Short."));
          } else {
            cases.add(
                new Case(
                    prompt,
                    "a ".repeat(RecordLimits.DEFAULT_MAX_COMPLETION_CHARS / 2 + 1),
                    answer));
          }
        }
        default -> { // a long answer with one word changed: near-identical when long enough
          String longer = answer + " " + sentence(random, 10 + random.nextInt(40));
          cases.add(new Case(prompt, longer, longer.replaceFirst("\\b(\\w+)\\b", "$1x")));
        }
      }
    }
    return cases;
  }

  private static final String[] WORDS = {
    "athene", "polite", "brief", "answer", "paris", "capital", "river", "seven", "thanks",
    "question", "help", "glad", "number", "city", "france", "happy", "kindly", "sum"
  };

  private static String words(Random random, int count) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < count; i++) {
      text.append(i == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
    }
    return text.toString();
  }

  private static String sentence(Random random, int count) {
    String text = words(random, count);
    return Character.toUpperCase(text.charAt(0)) + text.substring(1) + ".";
  }

  private static String typos(Random random, String text, int edits) {
    StringBuilder edited = new StringBuilder(text);
    for (int e = 0; e < edits; e++) {
      int at = random.nextInt(edited.length());
      edited.setCharAt(at, (char) ('a' + random.nextInt(26)));
    }
    return edited.toString();
  }

  private static GenerationLogged generation(
      String id, List<ChatMessage> prompt, String completion, int candidate, Instant at) {
    return GenerationLogged.newBuilder()
        .setGenerationId(id)
        .setRequestId("request-" + id.substring(0, id.length() - 1))
        .setCandidateIndex(candidate)
        .setModelId("tiny-chat")
        .setPrompt(prompt)
        .setCompletion(completion)
        .setSampling(SamplingParameters.newBuilder().build())
        .setPromptTokens(1)
        .setCompletionTokens(1)
        .setCompletionLogprob(-1.0)
        .setCreatedAt(at)
        .build();
  }

  private static JsonObject message(String role, String content) {
    JsonObject message = new JsonObject();
    message.addProperty("role", role);
    message.addProperty("content", content);
    return message;
  }

  private static JsonArray answer(String content) {
    JsonArray answer = new JsonArray();
    answer.add(message("assistant", content));
    return answer;
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer copy = buffer.duplicate();
    byte[] bytes = new byte[copy.remaining()];
    copy.get(bytes);
    return bytes;
  }
}
