package dev.feedloop.serving.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.serving.limits.InFlightLimit;
import io.micronaut.json.JsonMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * API keys and request limits over real HTTP, against the real model and broker: every
 * authentication outcome and every limit, each answered with OpenAI's error object.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessAndLimitsTest implements TestPropertyProvider {

  private static final String CLIENT_KEY = "client-key-web-0123456789abcdef";
  private static final String BARE_CLIENT_KEY = "client-key-bare-0123456789abcdef";
  private static final String OPERATOR_KEY = "operator-key-alice-0123456789abcdef";
  private static final int MAX_MESSAGES = 3;
  private static final int MAX_PROMPT_TOKENS = 60;
  private static final int MAX_COMPLETION_TOKENS = 32;
  private static final int MAX_CANDIDATES = 2;
  private static final int MAX_CONCURRENT = 2;
  private static final int MAX_BODY_BYTES = 8192;

  @Inject EmbeddedServer server;
  @Inject JsonMapper json;
  @Inject InFlightLimit inFlight;

  private HttpCalls http;

  @Override
  public Map<String, String> getProperties() {
    TopicNames topics = SharedKafkaBroker.createUniqueTopics("serving-access");
    String generations = topics.generations();
    Map<String, String> properties = new HashMap<>();
    properties.put("feedloop.kafka.bootstrap-servers", SharedKafkaBroker.bootstrapServers());
    properties.put(
        "feedloop.kafka.topic-prefix",
        generations.substring(0, generations.length() - "generations".length()));
    properties.put("feedloop.serving.model-dir", "../models/tiny-chat");
    properties.put("feedloop.serving.access.api-keys", "web:" + CLIENT_KEY + "," + BARE_CLIENT_KEY);
    properties.put("feedloop.serving.access.operator-keys", "alice:" + OPERATOR_KEY);
    properties.put("feedloop.serving.limits.max-messages", "" + MAX_MESSAGES);
    properties.put("feedloop.serving.limits.max-prompt-tokens", "" + MAX_PROMPT_TOKENS);
    properties.put("feedloop.serving.limits.max-completion-tokens", "" + MAX_COMPLETION_TOKENS);
    properties.put("feedloop.serving.limits.max-concurrent-requests", "" + MAX_CONCURRENT);
    properties.put("feedloop.serving.limits.retry-after", "3s");
    properties.put("feedloop.serving.max-candidates", "" + MAX_CANDIDATES);
    properties.put("micronaut.server.max-request-size", "" + MAX_BODY_BYTES);
    properties.put("feedloop.test.caller-echo", "true");
    return properties;
  }

  @BeforeAll
  void connect() {
    http = new HttpCalls(server.getURL(), json);
  }

  @Test
  void withKeysTheServerListensOnEveryInterface() {
    assertThat(server.getHost()).isEqualTo("0.0.0.0");
  }

  @Test
  void aMissingKeyIsUnauthorizedOnEveryApiEndpoint() {
    List<HttpResponse<String>> refused =
        List.of(
            http.post("/v1/chat/completions", null, HttpCalls.chat("Hi", 4)),
            http.post("/v1/feedback", null, Map.of("generation_id", "x", "kind", "thumbs_up")),
            http.get("/v1/models", null),
            http.get("/v1/adapters", null),
            http.post("/v1/adapters/unpin", null, Map.of()),
            http.get("/prometheus", null));
    for (HttpResponse<String> response : refused) {
      Map<String, Object> error = http.error(response, 401);
      assertThat(error).containsEntry("code", "missing_api_key");
      assertThat(error).containsEntry("type", "invalid_request_error");
      assertThat(response.headers().firstValue("WWW-Authenticate"))
          .hasValue("Bearer realm=\"feedloop\"");
    }
    HttpResponse<String> notBearer =
        http.send("/v1/models", "Authorization", "Basic " + CLIENT_KEY);
    assertThat(http.error(notBearer, 401)).containsEntry("code", "missing_api_key");
  }

  @Test
  void anUnknownKeyIsUnauthorizedAndNotEchoed() {
    String wrong = "sk-wrong-key-0123456789abcdef";
    for (HttpResponse<String> response :
        List.of(
            http.get("/v1/models", wrong),
            http.post("/v1/chat/completions", wrong, HttpCalls.chat("Hi", 4)),
            http.post("/v1/adapters/unpin", wrong, Map.of()))) {
      assertThat(http.error(response, 401)).containsEntry("code", "invalid_api_key");
      assertThat(response.body()).doesNotContain(wrong);
    }
  }

  @Test
  void clientKeysReachClientEndpointsAndNameTheCaller() {
    HttpResponse<String> models = http.get("/v1/models", CLIENT_KEY);
    assertThat(models.statusCode()).isEqualTo(200);
    assertThat(http.get("/v1/caller", CLIENT_KEY).body()).isEqualTo("client:web");
    assertThat(http.get("/v1/caller", BARE_CLIENT_KEY).body()).isEqualTo("client:key1");
    // the scheme is case-insensitive (RFC 7235)
    assertThat(http.send("/v1/caller", "Authorization", "bearer " + CLIENT_KEY).body())
        .isEqualTo("client:web");

    HttpResponse<String> chat =
        http.post("/v1/chat/completions", CLIENT_KEY, HttpCalls.chat("Hi", 6));
    assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
    String generationId = generationIds(chat).get(0);
    HttpResponse<String> feedback =
        http.post(
            "/v1/feedback",
            BARE_CLIENT_KEY,
            Map.of("generation_id", generationId, "kind", "thumbs_up"));
    assertThat(feedback.statusCode()).as(feedback.body()).isEqualTo(202);
    assertThat(http.get("/prometheus", CLIENT_KEY).statusCode()).isEqualTo(200);
  }

  @Test
  void aClientKeyIsForbiddenOnOperatorActionsWhateverThePathsSpelling() {
    for (String path :
        List.of(
            "/v1/adapters/caller",
            "/v1/adapters/7/pin",
            "/v1/adapters/unpin",
            "/v1/adapters/rollback",
            "/v1//adapters/caller",
            "/v1/adapters/",
            "/v1/%61dapters/caller")) {
      HttpResponse<String> refused = http.post(path, CLIENT_KEY, Map.of());
      Map<String, Object> error = http.error(refused, 403);
      assertThat(error).as(path).containsEntry("code", "operator_key_required");
      assertThat(error).containsEntry("type", "permission_error");
    }
    // reading the adapters is a client's right: past the key check (no such endpoint here: 404)
    assertThat(http.get("/v1/adapters", CLIENT_KEY).statusCode()).isNotIn(401, 403);
  }

  @Test
  void anOperatorKeyReachesOperatorAndClientEndpoints() {
    HttpResponse<String> operatorAction = http.post("/v1/adapters/caller", OPERATOR_KEY, Map.of());
    assertThat(operatorAction.statusCode()).as(operatorAction.body()).isEqualTo(200);
    assertThat(operatorAction.body()).isEqualTo("operator:alice");
    assertThat(http.get("/v1/caller", OPERATOR_KEY).body()).isEqualTo("operator:alice");
    HttpResponse<String> chat =
        http.post("/v1/chat/completions", OPERATOR_KEY, HttpCalls.chat("Hello!", 4));
    assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
    assertThat(http.get("/v1/models", OPERATOR_KEY).statusCode()).isEqualTo(200);
  }

  @Test
  void healthStaysOpenForLoadBalancers() throws InterruptedException {
    // no key, and never 401: DOWN (503) only until the adapter follower has caught up
    HttpResponse<String> readiness = http.get("/health/readiness", null);
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
    while (readiness.statusCode() == 503 && System.nanoTime() < deadline) {
      Thread.sleep(50);
      readiness = http.get("/health/readiness", null);
    }
    assertThat(readiness.statusCode()).isEqualTo(200);
    assertThat(http.parse(readiness.body())).containsEntry("status", "UP");
    assertThat(http.get("/health", null).statusCode()).isEqualTo(200);
  }

  @Test
  void tooManyMessagesNameTheLimit() {
    Map<String, Object> request = new HashMap<>(HttpCalls.chat("Hi", 4));
    List<Map<String, String>> messages = new ArrayList<>();
    for (int i = 0; i <= MAX_MESSAGES; i++) {
      messages.add(Map.of("role", i % 2 == 0 ? "user" : "assistant", "content", "Hi " + i));
    }
    request.put("messages", messages);
    assertLimit(request, "messages", "max_messages");
  }

  @Test
  void aPromptOverTheTokenLimitIsRefused() {
    String longQuestion = "Tell me about the weather today. ".repeat(12);
    assertLimit(HttpCalls.chat(longQuestion, 4), "messages", "max_prompt_tokens");
  }

  @Test
  void completionTokensMustBeWithinRange() {
    assertLimit(
        with("max_tokens", MAX_COMPLETION_TOKENS + 1), "max_tokens", "max_completion_tokens");
    assertLimit(
        with("max_completion_tokens", MAX_COMPLETION_TOKENS + 1),
        "max_completion_tokens",
        "max_completion_tokens");
    assertLimit(with("max_tokens", 0), "max_tokens", "integer_below_min_value");
  }

  @Test
  void candidatesMustBeWithinRange() {
    assertLimit(with("n", MAX_CANDIDATES + 1), "n", "max_candidates");
    assertLimit(with("n", 0), "n", "integer_below_min_value");
  }

  @Test
  void samplingParametersMustBeWithinOpenAisRanges() {
    assertLimit(with("temperature", 2.01), "temperature", "decimal_above_max_value");
    assertLimit(with("temperature", -0.5), "temperature", "decimal_below_min_value");
    assertLimit(with("top_p", 0), "top_p", "decimal_below_min_value");
    assertLimit(with("top_p", 1.2), "top_p", "decimal_above_max_value");
    assertLimit(with("top_logprobs", 21), "top_logprobs", "integer_above_max_value");
    assertLimit(with("top_logprobs", -1), "top_logprobs", "integer_below_min_value");

    Map<String, Object> edges = new HashMap<>(HttpCalls.chat("Hi", MAX_COMPLETION_TOKENS));
    edges.put("temperature", 2);
    edges.put("top_p", 1);
    edges.put("n", MAX_CANDIDATES);
    HttpResponse<String> accepted = http.post("/v1/chat/completions", CLIENT_KEY, edges);
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
    assertThat(generationIds(accepted)).hasSize(MAX_CANDIDATES);
  }

  @Test
  void aBodyOverTheSizeLimitIsTooLarge() {
    String big = http.write(HttpCalls.chat("x".repeat(MAX_BODY_BYTES), 4));
    Map<String, Object> error =
        http.error(http.postRaw("/v1/chat/completions", CLIENT_KEY, big), 413);
    assertThat(error).containsEntry("code", "max_body_size");
    assertThat((String) error.get("message")).contains(Integer.toString(MAX_BODY_BYTES));
  }

  @Test
  void requestsBeyondTheConcurrencyLimitAreTooManyWithRetryAfter() throws Exception {
    // fill the server deterministically, then check the answer to one more
    for (int i = 0; i < MAX_CONCURRENT; i++) {
      assertThat(inFlight.tryTakePlace()).isTrue();
    }
    try {
      HttpResponse<String> refused =
          http.post("/v1/chat/completions", CLIENT_KEY, HttpCalls.chat("Hi", 4));
      Map<String, Object> error = http.error(refused, 429);
      assertThat(error).containsEntry("code", "max_concurrent_requests");
      assertThat(error).containsEntry("type", "rate_limit_error");
      assertThat(refused.headers().firstValue("Retry-After")).hasValue("3");
      // only chat is bounded: listings and health still answer
      assertThat(http.get("/v1/models", CLIENT_KEY).statusCode()).isEqualTo(200);
    } finally {
      for (int i = 0; i < MAX_CONCURRENT; i++) {
        inFlight.givePlaceBack();
      }
    }

    // a real burst: some answered, the rest refused, and every place is given back afterwards
    int clients = 4 * MAX_CONCURRENT;
    ExecutorService callers = Executors.newFixedThreadPool(clients);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<HttpResponse<String>>> answers = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        String question = "What is " + i + " plus 2?";
        answers.add(
            callers.submit(
                () -> {
                  start.await();
                  return http.post(
                      "/v1/chat/completions", CLIENT_KEY, HttpCalls.chat(question, 24));
                }));
      }
      start.countDown();
      int answered = 0;
      int refused = 0;
      for (Future<HttpResponse<String>> answer : answers) {
        HttpResponse<String> response = answer.get(120, TimeUnit.SECONDS);
        assertThat(response.statusCode()).as(response.body()).isIn(200, 429);
        if (response.statusCode() == 200) {
          answered++;
        } else {
          refused++;
          assertThat(response.headers().firstValue("Retry-After")).hasValue("3");
        }
      }
      assertThat(answered).isBetween(1, clients - 1);
      assertThat(refused).isPositive();
    } finally {
      callers.shutdownNow();
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (inFlight.inFlight() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(inFlight.inFlight()).isZero();
  }

  private static Map<String, Object> with(String field, Object value) {
    Map<String, Object> request = new HashMap<>(HttpCalls.chat("Hi", 4));
    request.put(field, value);
    return request;
  }

  private void assertLimit(Map<String, Object> request, String param, String code) {
    HttpResponse<String> refused = http.post("/v1/chat/completions", CLIENT_KEY, request);
    Map<String, Object> error = http.error(refused, 400);
    assertThat(error).as(request.toString()).containsEntry("param", param);
    assertThat(error).as(request.toString()).containsEntry("code", code);
    assertThat(error).containsEntry("type", "invalid_request_error");
  }

  @SuppressWarnings("unchecked")
  private List<String> generationIds(HttpResponse<String> response) {
    return ((List<Map<String, Object>>) http.parse(response.body()).get("choices"))
        .stream().map(choice -> (String) choice.get("generation_id")).toList();
  }
}
