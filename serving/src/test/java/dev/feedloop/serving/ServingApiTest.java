package dev.feedloop.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.FeedbackKind;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.kafka.TopicNames;
import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.json.JsonMapper;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The HTTP API against the real model (models/tiny-chat) and a real broker: what clients see and
 * what lands in the generations and feedback topics.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServingApiTest implements TestPropertyProvider {

  private static final String PREFIX_LABEL = "serving-api";
  private static final Duration TOPIC_WAIT = Duration.ofSeconds(30);

  private TopicNames topics;

  @Inject
  @Client("/")
  HttpClient http;

  @Inject JsonMapper json;

  @Override
  public Map<String, String> getProperties() {
    topics = SharedKafkaBroker.createUniqueTopics(PREFIX_LABEL);
    String generations = topics.generations();
    return Map.of(
        "feedloop.kafka.bootstrap-servers", SharedKafkaBroker.bootstrapServers(),
        "feedloop.kafka.topic-prefix",
            generations.substring(0, generations.length() - "generations".length()),
        "feedloop.serving.model-dir", "../models/tiny-chat");
  }

  @Test
  void completionAnswersInOpenAiShapeAndLogsEveryCandidate() {
    Map<String, Object> request = new HashMap<>(chatRequest("Who are you?"));
    request.put("n", 2);
    request.put("max_tokens", 24);
    request.put("temperature", 0.8);
    request.put("top_p", 0.95);
    request.put("seed", 7);
    request.put("user", "user-1");

    Map<String, Object> response = post("/v1/chat/completions", request);

    assertThat(response.get("object")).isEqualTo("chat.completion");
    assertThat((String) response.get("id")).startsWith("chatcmpl-");
    assertThat(response.get("model")).isEqualTo("tiny-chat");
    assertThat(((Number) response.get("created")).longValue()).isPositive();
    List<Map<String, Object>> choices = list(response.get("choices"));
    assertThat(choices).hasSize(2);
    List<String> generationIds = new ArrayList<>();
    for (int i = 0; i < choices.size(); i++) {
      Map<String, Object> choice = choices.get(i);
      assertThat(choice.get("index")).isEqualTo(i);
      Map<String, Object> message = map(choice.get("message"));
      assertThat(message.get("role")).isEqualTo("assistant");
      assertThat((String) message.get("content")).isNotBlank();
      assertThat(choice.get("finish_reason")).isIn("stop", "length");
      assertThat(choice).containsEntry("adapter_version", null);
      String generationId = (String) choice.get("generation_id");
      assertThat(UUID.fromString(generationId).version()).isEqualTo(4);
      generationIds.add(generationId);
    }
    assertThat(Set.copyOf(generationIds)).hasSize(2);
    Map<String, Object> usage = map(response.get("usage"));
    int promptTokens = ((Number) usage.get("prompt_tokens")).intValue();
    int completionTokens = ((Number) usage.get("completion_tokens")).intValue();
    assertThat(promptTokens).isPositive();
    assertThat(completionTokens).isBetween(2, 48);
    assertThat(usage.get("total_tokens")).isEqualTo(promptTokens + completionTokens);

    Map<String, GenerationLogged> logged =
        readUntil(topics.generations(), GenerationLogged.class, generationIds);
    int loggedCompletionTokens = 0;
    for (int i = 0; i < generationIds.size(); i++) {
      GenerationLogged event = logged.get(generationIds.get(i));
      Map<String, Object> message = map(choices.get(i).get("message"));
      assertThat(event.getRequestId()).isEqualTo(response.get("id"));
      assertThat(event.getCandidateIndex()).isEqualTo(i);
      assertThat(event.getModelId()).isEqualTo("tiny-chat");
      assertThat(event.getAdapterVersion()).isNull();
      assertThat(event.getUserId()).isEqualTo("user-1");
      assertThat(event.getPrompt()).hasSize(1);
      assertThat(event.getPrompt().get(0).getContent()).isEqualTo("Who are you?");
      assertThat(event.getCompletion()).isEqualTo(message.get("content"));
      assertThat(event.getFinishReason()).isEqualTo(choices.get(i).get("finish_reason"));
      assertThat(event.getSampling().getMaxTokens()).isEqualTo(24);
      assertThat(event.getSampling().getSeed()).isEqualTo(7L);
      assertThat(event.getSampling().getTopP()).isEqualTo(0.95f);
      assertThat(event.getPromptTokens()).isEqualTo(promptTokens);
      assertThat(event.getCompletionLogprob()).isNegative().isFinite();
      loggedCompletionTokens += event.getCompletionTokens();
    }
    assertThat(loggedCompletionTokens).isEqualTo(completionTokens);
  }

  @Test
  void feedbackIsAcceptedOnlyOnceKafkaHoldsIt() {
    Map<String, Object> request = new HashMap<>(chatRequest("What day comes after Monday?"));
    request.put("n", 2);
    request.put("max_tokens", 16);
    List<String> ids = generationIds(post("/v1/chat/completions", request));

    HttpResponse<String> thumbsUp =
        exchange(
            "/v1/feedback",
            Map.of("generation_id", ids.get(0), "kind", "thumbs_up", "user_id", "user-2"));
    assertThat(thumbsUp.status().getCode()).isEqualTo(HttpStatus.ACCEPTED.getCode());
    String thumbsUpId = (String) parse(thumbsUp.body()).get("feedback_id");

    HttpResponse<String> choice =
        exchange(
            "/v1/feedback",
            Map.of(
                "generation_id",
                ids.get(1),
                "kind",
                "choice",
                "other_generation_id",
                ids.get(0),
                "comment",
                "shorter"));
    assertThat(choice.status().getCode()).isEqualTo(HttpStatus.ACCEPTED.getCode());

    HttpResponse<String> edit =
        exchange(
            "/v1/feedback",
            Map.of("generation_id", ids.get(0), "kind", "edit", "edited_text", "Tuesday."));
    assertThat(edit.status().getCode()).isEqualTo(HttpStatus.ACCEPTED.getCode());

    List<FeedbackReceived> received = readFeedbackOn(List.of(ids.get(0), ids.get(1)), 3);
    Map<FeedbackKind, FeedbackReceived> byKind =
        received.stream().collect(Collectors.toMap(FeedbackReceived::getKind, event -> event));
    assertThat(byKind.get(FeedbackKind.THUMBS_UP).getFeedbackId()).isEqualTo(thumbsUpId);
    assertThat(byKind.get(FeedbackKind.THUMBS_UP).getGenerationId()).isEqualTo(ids.get(0));
    assertThat(byKind.get(FeedbackKind.THUMBS_UP).getUserId()).isEqualTo("user-2");
    assertThat(byKind.get(FeedbackKind.CHOICE).getGenerationId()).isEqualTo(ids.get(1));
    assertThat(byKind.get(FeedbackKind.CHOICE).getOtherGenerationId()).isEqualTo(ids.get(0));
    assertThat(byKind.get(FeedbackKind.CHOICE).getComment()).isEqualTo("shorter");
    assertThat(byKind.get(FeedbackKind.EDIT).getEditedText()).isEqualTo("Tuesday.");
  }

  @Test
  void modelsListTheServedModel() {
    Map<String, Object> models = parse(http.toBlocking().retrieve(HttpRequest.GET("/v1/models")));
    assertThat(models).containsEntry("object", "list");
    assertThat(list(models.get("data")))
        .singleElement()
        .satisfies(
            model -> {
              assertThat(model).containsEntry("id", "tiny-chat");
              assertThat(model).containsEntry("object", "model");
            });
  }

  @Test
  void concurrentRequestsAreAllAnswered() throws Exception {
    int clients = 4;
    ExecutorService callers = Executors.newFixedThreadPool(clients);
    try {
      List<Future<Map<String, Object>>> answers = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        String question = "What is " + i + " plus 1?";
        answers.add(callers.submit(() -> post("/v1/chat/completions", chatRequest(question))));
      }
      Set<String> ids = new HashSet<>();
      for (Future<Map<String, Object>> answer : answers) {
        Map<String, Object> response = answer.get(60, TimeUnit.SECONDS);
        assertThat(list(response.get("choices"))).hasSize(1);
        ids.add((String) response.get("id"));
      }
      assertThat(ids).hasSize(clients);
    } finally {
      callers.shutdownNow();
    }
  }

  @Test
  void healthAndPrometheusMetricsAreServed() {
    String generation = generationIds(post("/v1/chat/completions", chatRequest("Hi"))).get(0);
    exchange("/v1/feedback", Map.of("generation_id", generation, "kind", "retract"));

    String health = http.toBlocking().retrieve(HttpRequest.GET("/health/readiness"));
    assertThat(parse(health)).containsEntry("status", "UP");
    String metrics = http.toBlocking().retrieve(HttpRequest.GET("/prometheus"));
    assertThat(metrics)
        .contains("feedloop_feedback_accepted_total{kind=\"retract\"}")
        .contains("feedloop_generation_seconds_count")
        .contains("feedloop_completion_tokens_total")
        .contains("feedloop_generations_unlogged")
        .contains("http_server_requests_seconds_count");
  }

  @Test
  void feedbackOnAnUnknownGenerationIsNotFound() {
    HttpClientResponseException refused =
        refused(
            "/v1/feedback",
            Map.of("generation_id", UUID.randomUUID().toString(), "kind", "thumbs_down"));
    assertThat(refused.getStatus().getCode()).isEqualTo(HttpStatus.NOT_FOUND.getCode());
    assertThat(error(refused)).containsEntry("param", "generation_id");
  }

  @Test
  void aUserCannotJudgeAnotherUsersGeneration() {
    Map<String, Object> request = new HashMap<>(chatRequest("Hello!"));
    request.put("user", "owner");
    String generation = generationIds(post("/v1/chat/completions", request)).get(0);

    HttpClientResponseException refused =
        refused(
            "/v1/feedback",
            Map.of("generation_id", generation, "kind", "thumbs_down", "user_id", "intruder"));

    assertThat(refused.getStatus().getCode()).isEqualTo(HttpStatus.FORBIDDEN.getCode());
    assertThat(error(refused)).containsEntry("param", "user_id");
    HttpResponse<String> owner =
        exchange(
            "/v1/feedback",
            Map.of("generation_id", generation, "kind", "thumbs_down", "user_id", "owner"));
    assertThat(owner.status().getCode()).isEqualTo(HttpStatus.ACCEPTED.getCode());
  }

  @Test
  void aChoiceAcrossDifferentPromptsConflicts() {
    String first = generationIds(post("/v1/chat/completions", chatRequest("Hello!"))).get(0);
    String second =
        generationIds(post("/v1/chat/completions", chatRequest("What is 2 plus 3?"))).get(0);

    HttpClientResponseException refused =
        refused(
            "/v1/feedback",
            Map.of("generation_id", first, "kind", "choice", "other_generation_id", second));

    assertThat(refused.getStatus().getCode()).isEqualTo(HttpStatus.CONFLICT.getCode());
    assertThat(error(refused)).containsEntry("param", "other_generation_id");
  }

  @Test
  void malformedRequestsNameTheField() {
    Map<String, Object> hot = new HashMap<>(chatRequest("Hi"));
    hot.put("temperature", 3);
    assertBadRequest("/v1/chat/completions", hot, "temperature");

    Map<String, Object> robot = new HashMap<>(chatRequest("Hi"));
    robot.put("messages", List.of(Map.of("role", "robot", "content", "Hi")));
    assertBadRequest("/v1/chat/completions", robot, "messages[0].role");

    Map<String, Object> tooManyStops = new HashMap<>(chatRequest("Hi"));
    tooManyStops.put("stop", List.of("a", "b", "c", "d", "e"));
    assertBadRequest("/v1/chat/completions", tooManyStops, "stop");

    Map<String, Object> noModel = new HashMap<>(chatRequest("Hi"));
    noModel.remove("model");
    assertBadRequest("/v1/chat/completions", noModel, "model");

    Map<String, Object> wordyTemperature = new HashMap<>(chatRequest("Hi"));
    wordyTemperature.put("temperature", "warm");
    assertBadRequest("/v1/chat/completions", wordyTemperature, "temperature");

    String generation = generationIds(post("/v1/chat/completions", chatRequest("Hi"))).get(0);
    assertBadRequest("/v1/feedback", Map.of("generation_id", generation, "kind", "meh"), "kind");
    assertBadRequest(
        "/v1/feedback",
        Map.of("generation_id", generation, "kind", "choice"),
        "other_generation_id");
    assertBadRequest(
        "/v1/feedback", Map.of("generation_id", generation, "kind", "edit"), "edited_text");
    assertBadRequest("/v1/feedback", Map.of("kind", "thumbs_up"), "generation_id");
  }

  @Test
  void unparsableJsonIsABadRequest() {
    HttpClientResponseException refused = refusedRaw("/v1/chat/completions", "{\"messages\": [");
    assertThat(refused.getStatus().getCode()).isEqualTo(HttpStatus.BAD_REQUEST.getCode());
    assertThat(error(refused)).containsEntry("type", "invalid_request_error");
  }

  private void assertBadRequest(String path, Map<String, Object> body, String param) {
    HttpClientResponseException refused = refused(path, body);
    assertThat(refused.getStatus().getCode())
        .as(body.toString())
        .isEqualTo(HttpStatus.BAD_REQUEST.getCode());
    Map<String, Object> error = error(refused);
    assertThat(error).as(body.toString()).containsEntry("param", param);
    assertThat(error).containsEntry("type", "invalid_request_error");
    assertThat((String) error.get("message")).isNotBlank();
  }

  private static Map<String, Object> chatRequest(String question) {
    return Map.of(
        "model",
        "tiny-chat",
        "max_tokens",
        12,
        "messages",
        List.of(Map.of("role", "user", "content", question)));
  }

  private Map<String, Object> post(String path, Object body) {
    HttpResponse<String> response = exchange(path, body);
    assertThat(response.status().getCode()).isEqualTo(HttpStatus.OK.getCode());
    return parse(response.body());
  }

  private HttpResponse<String> exchange(String path, Object body) {
    return http.toBlocking()
        .exchange(
            HttpRequest.POST(path, body).contentType(MediaType.APPLICATION_JSON_TYPE),
            String.class);
  }

  private HttpClientResponseException refused(String path, Object body) {
    try {
      return refusedRaw(path, json.writeValueAsString(body));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private HttpClientResponseException refusedRaw(String path, String body) {
    HttpRequest<String> request =
        HttpRequest.POST(path, body).contentType(MediaType.APPLICATION_JSON_TYPE);
    Throwable thrown = catchThrowable(() -> http.toBlocking().exchange(request, String.class));
    assertThat(thrown).isInstanceOf(HttpClientResponseException.class);
    return (HttpClientResponseException) thrown;
  }

  private Map<String, Object> error(HttpClientResponseException refused) {
    String body = refused.getResponse().getBody(String.class).orElseThrow();
    return map(parse(body).get("error"));
  }

  private Map<String, Object> parse(String body) {
    try {
      return json.readValue(body, Argument.mapOf(String.class, Object.class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> generationIds(Map<String, Object> response) {
    return list(response.get("choices")).stream()
        .map(choice -> (String) choice.get("generation_id"))
        .toList();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Object value) {
    return (List<Map<String, Object>>) value;
  }

  /** The events keyed by each of {@code keys}, checking the key is the generation id. */
  private <T extends org.apache.avro.specific.SpecificRecord> Map<String, T> readUntil(
      String topic, Class<T> type, List<String> keys) {
    return TopicEvents.readByKey(topic, type, keys, TOPIC_WAIT);
  }

  /**
   * The feedback events keyed by one of {@code generationIds} (other tests write to the same
   * topic), once at least {@code count} arrived; each key must be its event's generation id.
   */
  private List<FeedbackReceived> readFeedbackOn(List<String> generationIds, int count) {
    List<FeedbackReceived> found = new ArrayList<>();
    EventSerde<FeedbackReceived> serde = EventSerde.of(FeedbackReceived.class);
    try (KafkaConsumer<String, byte[]> consumer = fromStart(topics.feedback())) {
      long deadline = System.nanoTime() + TOPIC_WAIT.toNanos();
      while (found.size() < count && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (generationIds.contains(record.key())) {
            FeedbackReceived event = serde.deserialize(topics.feedback(), record.value());
            assertThat(record.key()).isEqualTo(event.getGenerationId());
            found.add(event);
          }
        }
      }
    }
    assertThat(found).hasSize(count);
    return found;
  }

  private KafkaConsumer<String, byte[]> fromStart(String topic) {
    return TopicEvents.fromStart(topic);
  }
}
