package dev.feedloop.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.model.LanguageModel;
import dev.feedloop.model.lora.AdapterSlot;
import dev.feedloop.schemas.ChatMessages;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.serving.adapters.AdapterPublishing;
import dev.feedloop.serving.api.ChatCompletionRequest;
import dev.feedloop.serving.chat.ChatService;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.StreamingHttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.json.JsonMapper;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.publisher.Flux;

/**
 * Streaming (Server-Sent Events), logprobs and continuous batching through real HTTP against the
 * real model and broker: what the chunks say matches what was logged.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamingApiTest implements TestPropertyProvider {

  private static final Duration TOPIC_WAIT = Duration.ofSeconds(30);

  private TopicNames topics;

  @Inject
  @Client("/")
  StreamingHttpClient streaming;

  @Inject
  @Client("/")
  HttpClient http;

  @Inject JsonMapper json;
  @Inject MeterRegistry meters;
  @Inject LanguageModel model;
  @Inject ChatService chat;
  @Inject AdapterSlot slot;

  @Override
  public Map<String, String> getProperties() {
    topics = SharedKafkaBroker.createUniqueTopics("serving-stream");
    String generations = topics.generations();
    return Map.of(
        "feedloop.kafka.bootstrap-servers", SharedKafkaBroker.bootstrapServers(),
        "feedloop.kafka.topic-prefix",
            generations.substring(0, generations.length() - "generations".length()),
        "feedloop.serving.model-dir", "../models/tiny-chat");
  }

  /** The SSE data lines of one streamed response, in order, and its content type. */
  private record Stream(String contentType, List<String> data) {

    List<Map<String, Object>> chunks(JsonMapper json) {
      List<Map<String, Object>> out = new ArrayList<>();
      for (String d : data.subList(0, data.size() - 1)) {
        out.add(parse(json, d));
      }
      return out;
    }
  }

  private Stream stream(Map<String, Object> body) {
    Map<String, Object> request = new HashMap<>(body);
    request.put("stream", true);
    HttpRequest<?> post =
        HttpRequest.POST("/v1/chat/completions", request)
            .contentType(MediaType.APPLICATION_JSON_TYPE)
            .accept(MediaType.TEXT_EVENT_STREAM_TYPE);
    // each part's buffer is released once emitted: read it at once
    List<String[]> parts =
        Flux.from(streaming.exchangeStream(post))
            .map(
                part ->
                    new String[] {
                      part.getContentType().map(MediaType::getName).orElse(""),
                      part.getBody().map(b -> b.toString(StandardCharsets.UTF_8)).orElse("")
                    })
            .collectList()
            .block(Duration.ofSeconds(120));
    assertThat(parts).isNotEmpty();
    // Micronaut's client hands over an event stream line by line: every event is one data line
    // followed by the empty line that ends it
    List<String> data = new ArrayList<>();
    boolean ended = true;
    for (String[] part : parts) {
      String line = part[1];
      if (line.isEmpty()) {
        assertThat(ended).as("an empty line ends an event").isFalse();
        ended = true;
        continue;
      }
      assertThat(ended).as("one data line per event: " + line).isTrue();
      assertThat(line).startsWith("data: ").doesNotContain("\n");
      data.add(line.substring("data: ".length()));
      ended = false;
    }
    assertThat(ended).as("the last event is ended").isTrue();
    return new Stream(parts.get(0)[0], data);
  }

  @Test
  void aStreamedCompletionArrivesInOpenAiChunksThatMatchItsLoggedEvents() {
    Map<String, Object> request = chatRequest("Who are you?", 24);
    request.put("n", 2);
    request.put("temperature", 0.9);
    request.put("seed", 5);
    request.put("stream_options", Map.of("include_usage", true));

    Stream stream = stream(request);

    assertThat(stream.contentType()).isEqualTo(MediaType.TEXT_EVENT_STREAM);
    assertThat(stream.data()).last().isEqualTo("[DONE]");
    List<Map<String, Object>> chunks = stream.chunks(json);
    String requestId = (String) chunks.get(0).get("id");
    assertThat(requestId).startsWith("chatcmpl-");

    Map<String, Object> usageChunk = chunks.get(chunks.size() - 1);
    assertThat(list(usageChunk.get("choices"))).isEmpty();
    Map<String, Object> usage = map(usageChunk.get("usage"));

    Map<Integer, StringBuilder> content = new HashMap<>();
    Map<Integer, String> generationIds = new HashMap<>();
    Map<Integer, String> finishReasons = new HashMap<>();
    for (Map<String, Object> chunk : chunks.subList(0, chunks.size() - 1)) {
      assertThat(chunk).containsEntry("object", "chat.completion.chunk");
      assertThat(chunk).containsEntry("id", requestId).containsEntry("model", "tiny-chat");
      assertThat(chunk).doesNotContainKey("usage");
      Map<String, Object> choice = list(chunk.get("choices")).get(0);
      assertThat(list(chunk.get("choices"))).hasSize(1);
      int index = (Integer) choice.get("index");
      Map<String, Object> delta = map(choice.get("delta"));
      assertThat(choice).containsEntry("adapter_version", null);
      String generationId = (String) choice.get("generation_id");
      if (!content.containsKey(index)) {
        // the first chunk of a choice names the role
        assertThat(delta).containsEntry("role", "assistant");
        assertThat(choice).containsEntry("finish_reason", null);
        content.put(index, new StringBuilder());
        generationIds.put(index, generationId);
        continue;
      }
      assertThat(generationId).isEqualTo(generationIds.get(index));
      assertThat(finishReasons)
          .as("nothing after a choice's finish chunk")
          .doesNotContainKey(index);
      if (choice.get("finish_reason") != null) {
        assertThat(delta).isEmpty();
        finishReasons.put(index, (String) choice.get("finish_reason"));
      } else {
        assertThat(delta).doesNotContainKey("role");
        content.get(index).append((String) delta.get("content"));
      }
    }
    assertThat(content.keySet()).containsExactlyInAnyOrder(0, 1);
    assertThat(finishReasons.keySet()).containsExactlyInAnyOrder(0, 1);

    Map<String, GenerationLogged> logged = readGenerations(List.copyOf(generationIds.values()));
    int completionTokens = 0;
    for (int i = 0; i < 2; i++) {
      GenerationLogged event = logged.get(generationIds.get(i));
      assertThat(event.getRequestId()).isEqualTo(requestId);
      assertThat(event.getCandidateIndex()).isEqualTo(i);
      assertThat(event.getCompletion()).isEqualTo(content.get(i).toString()).isNotBlank();
      assertThat(event.getFinishReason()).isEqualTo(finishReasons.get(i));
      assertThat(event.getAdapterVersion()).isNull();
      completionTokens += event.getCompletionTokens();
    }
    assertThat(usage.get("completion_tokens")).isEqualTo(completionTokens);
    assertThat(usage.get("prompt_tokens"))
        .isEqualTo(logged.get(generationIds.get(0)).getPromptTokens());
    assertThat(usage.get("total_tokens"))
        .isEqualTo((Integer) usage.get("prompt_tokens") + completionTokens);

    // without include_usage: no usage chunk, still [DONE]
    Stream plain = stream(chatRequest("Hi", 6));
    assertThat(plain.data()).last().isEqualTo("[DONE]");
    assertThat(plain.chunks(json))
        .allSatisfy(chunk -> assertThat(chunk).doesNotContainKey("usage"));
  }

  @Test
  void logprobsComeInOpenAiShapeAndAddUpToTheLoggedLogProb() {
    Map<String, Object> request = chatRequest("What is your name?", 96);
    request.put("n", 4);
    request.put("temperature", 0.7);
    request.put("seed", 3);
    request.put("logprobs", true);
    request.put("top_logprobs", 3);

    Map<String, Object> response = post(request);
    List<Map<String, Object>> choices = list(response.get("choices"));
    Map<String, GenerationLogged> logged =
        readGenerations(choices.stream().map(c -> (String) c.get("generation_id")).toList());
    int canonical = 0;
    for (Map<String, Object> choice : choices) {
      List<Map<String, Object>> content = list(map(choice.get("logprobs")).get("content"));
      GenerationLogged event = logged.get((String) choice.get("generation_id"));
      assertThat(content).hasSize(event.getCompletionTokens());
      double sum = 0;
      List<String> tokens = new ArrayList<>();
      for (Map<String, Object> token : content) {
        double logprob = ((Number) token.get("logprob")).doubleValue();
        assertThat(logprob).isNotPositive();
        sum += logprob;
        String text = (String) token.get("token");
        tokens.add(text);
        assertThat(bytes(token)).isEqualTo(utf8(text));
        List<Map<String, Object>> top = list(token.get("top_logprobs"));
        assertThat(top).hasSize(3);
        for (int k = 0; k < top.size(); k++) {
          double alternative = ((Number) top.get(k).get("logprob")).doubleValue();
          if (k > 0) {
            assertThat(alternative)
                .isLessThanOrEqualTo(((Number) top.get(k - 1).get("logprob")).doubleValue());
          }
          assertThat(bytes(top.get(k))).isEqualTo(utf8((String) top.get(k).get("token")));
        }
        assertThat(((Number) top.get(0).get("logprob")).doubleValue())
            .isGreaterThanOrEqualTo(logprob - 1e-6);
      }
      // the trainer's ids of the logged text: when generation produced exactly those, the logged
      // log-prob is the sum of the streamed ones
      long[] ids =
          model.completionTokens(
              List.of(ChatMessages.user("What is your name?")), event.getCompletion());
      List<String> canonicalTokens = new ArrayList<>();
      for (long id : ids) {
        canonicalTokens.add(model.tokenizer().decode(new long[] {id}, false));
      }
      if (canonicalTokens.equals(tokens)) {
        canonical++;
        assertThat(sum).isCloseTo(event.getCompletionLogprob(), within(1e-3));
      }
    }
    assertThat(canonical).as("candidates generated in the trainer's tokenization").isPositive();

    // streamed: each content chunk carries its token's entry
    Map<String, Object> streamed = chatRequest("Hi", 8);
    streamed.put("logprobs", true);
    streamed.put("top_logprobs", 2);
    int entries = 0;
    StringBuilder tokenText = new StringBuilder();
    for (Map<String, Object> chunk : stream(streamed).chunks(json)) {
      Map<String, Object> choice = list(chunk.get("choices")).get(0);
      if (choice.get("logprobs") != null) {
        List<Map<String, Object>> content = list(map(choice.get("logprobs")).get("content"));
        assertThat(content).hasSize(1);
        assertThat(list(content.get(0).get("top_logprobs"))).hasSize(2);
        tokenText.append(content.get(0).get("token"));
        entries++;
      }
    }
    assertThat(entries).isBetween(1, 8);
    assertThat(tokenText.toString()).isNotEmpty();

    Map<String, Object> unasked = chatRequest("Hi", 4);
    unasked.put("top_logprobs", 2);
    HttpResponse<String> refused = exchangeRefused(unasked);
    assertThat(refused.code()).isEqualTo(HttpStatus.BAD_REQUEST.getCode());
    assertThat(refused.body()).contains("\"param\":\"top_logprobs\"");
  }

  @Test
  void concurrentRequestsAreDecodedTogetherAndASeededOneIsUnchanged() throws Exception {
    Map<String, Object> seeded = chatRequest("Tell me about the weather.", 20);
    seeded.put("temperature", 1.0);
    seeded.put("seed", 99);
    seeded.put("n", 2);
    List<String> alone = texts(post(seeded));

    DistributionSummary occupancy = meters.get("feedloop.batch.occupancy").summary();
    long stepsBefore = occupancy.count();
    double rowsBefore = occupancy.totalAmount();
    int clients = 8;
    ExecutorService callers = Executors.newFixedThreadPool(clients);
    try {
      List<Future<Map<String, Object>>> answers = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        Map<String, Object> request =
            i == 3 ? seeded : chatRequest("What is " + i + " plus " + i + "?", 24);
        answers.add(callers.submit(() -> post(request)));
      }
      List<Map<String, Object>> responses = new ArrayList<>();
      for (Future<Map<String, Object>> answer : answers) {
        responses.add(answer.get(120, TimeUnit.SECONDS));
      }
      double meanRows = (occupancy.totalAmount() - rowsBefore) / (occupancy.count() - stepsBefore);
      assertThat(meanRows).as("rows per decode step while 8 clients wait").isGreaterThan(1.5);
      assertThat(
              meters.get("feedloop.batch.rows").gauge().value()
                  + meters.get("feedloop.queue.length").gauge().value())
          .isNotNegative();

      assertThat(texts(responses.get(3)))
          .as("the seeded request under concurrency")
          .isEqualTo(alone);
      List<String> ids = new ArrayList<>();
      responses.forEach(r -> ids.addAll(generationIdsOf(r)));
      Map<String, GenerationLogged> logged = readGenerations(ids);
      for (Map<String, Object> response : responses) {
        for (Map<String, Object> choice : list(response.get("choices"))) {
          GenerationLogged event = logged.get((String) choice.get("generation_id"));
          assertThat(event.getRequestId()).isEqualTo(response.get("id"));
          assertThat(event.getCompletion()).isEqualTo(map(choice.get("message")).get("content"));
        }
      }
    } finally {
      callers.shutdownNow();
    }
    String metrics = http.toBlocking().retrieve(HttpRequest.GET("/prometheus"));
    assertThat(metrics)
        .contains("feedloop_batch_occupancy_count")
        .contains("feedloop_batch_rows")
        .contains("feedloop_queue_length")
        .contains("feedloop_time_to_first_token_seconds_count")
        .contains("feedloop_decode_step_seconds_count")
        .contains("feedloop_requests_rejected_total{limit=\"max_queued_requests\"}");
  }

  /**
   * A request keeps the adapter it was admitted with: one streaming on the base model while the
   * slot swaps to an adapter finishes on the base model, and one admitted after the swap uses the
   * adapter; each answer and event names its version.
   */
  @Test
  void aRequestKeepsTheAdapterItWasAdmittedWith() throws Exception {
    // the replica is ready once its follower has read the adapters topic and installed the base
    awaitReady();
    Map<String, Object> body = chatRequest("Tell me about Quendor.", 32);
    body.put("stream", true);
    List<String> events = new CopyOnWriteArrayList<>();
    CountDownLatch admitted = new CountDownLatch(1);
    CountDownLatch complete = new CountDownLatch(1);
    Flux.from(
            chat.stream(json.readValue(json.writeValueAsBytes(body), ChatCompletionRequest.class)))
        .subscribe(
            event -> {
              events.add(event.getData());
              admitted.countDown();
            },
            failure -> complete.countDown(),
            complete::countDown);
    assertThat(admitted.await(30, TimeUnit.SECONDS)).isTrue();
    // the adapter follower owns the slot: the new version arrives the way a trainer publishes it
    try (AdapterPublishing trainer =
        new AdapterPublishing(topics, "tiny-chat", model.baseModelFingerprint())) {
      trainer.publish(7, AdapterPublishing.adapterBytes(model.model().config(), 7));
    }
    long deadline = System.nanoTime() + TOPIC_WAIT.toNanos();
    while (slot.version() != 7 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(slot.version()).isEqualTo(7);
    try {
      Map<String, Object> after = post(chatRequest("Tell me about Quendor.", 8));
      assertThat(complete.await(60, TimeUnit.SECONDS)).isTrue();

      Map<String, Object> afterChoice = list(after.get("choices")).get(0);
      assertThat(((Number) afterChoice.get("adapter_version")).longValue()).isEqualTo(7);
      assertThat(events).last().isEqualTo("[DONE]");
      String streamedId = null;
      for (String data : events.subList(0, events.size() - 1)) {
        Map<String, Object> choice = list(parse(json, data).get("choices")).get(0);
        assertThat(choice).containsEntry("adapter_version", null);
        streamedId = (String) choice.get("generation_id");
      }
      String afterId = (String) afterChoice.get("generation_id");
      Map<String, GenerationLogged> logged = readGenerations(List.of(streamedId, afterId));
      assertThat(logged.get(streamedId).getAdapterVersion()).isNull();
      assertThat(logged.get(afterId).getAdapterVersion()).isEqualTo(7L);
    } finally {
      // back to the base model for the other tests, through the operators' path
      HttpResponse<?> pinned =
          http.toBlocking().exchange(HttpRequest.POST("/v1/adapters/0/pin", Map.of()));
      assertThat(pinned.getStatus().getCode()).isEqualTo(202);
      long until = System.nanoTime() + TOPIC_WAIT.toNanos();
      while (slot.version() != ServingFactory.BASE_MODEL_VERSION && System.nanoTime() < until) {
        Thread.sleep(20);
      }
    }
  }

  private void awaitReady() throws InterruptedException {
    long deadline = System.nanoTime() + TOPIC_WAIT.toNanos();
    while (true) {
      try {
        http.toBlocking().exchange(HttpRequest.GET("/health/readiness"), String.class);
        return;
      } catch (io.micronaut.http.client.exceptions.HttpClientResponseException notYet) {
        assertThat(notYet.code()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE.getCode());
        assertThat(System.nanoTime()).as("ready in time").isLessThan(deadline);
        Thread.sleep(50);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------

  private static Map<String, Object> chatRequest(String question, int maxTokens) {
    Map<String, Object> request = new HashMap<>();
    request.put("model", "tiny-chat");
    request.put("max_tokens", maxTokens);
    request.put("messages", List.of(Map.of("role", "user", "content", question)));
    return request;
  }

  private Map<String, Object> post(Map<String, Object> body) {
    HttpResponse<String> response =
        http.toBlocking()
            .exchange(
                HttpRequest.POST("/v1/chat/completions", body)
                    .contentType(MediaType.APPLICATION_JSON_TYPE),
                String.class);
    assertThat(response.code()).isEqualTo(HttpStatus.OK.getCode());
    return parse(json, response.body());
  }

  private HttpResponse<String> exchangeRefused(Map<String, Object> body) {
    try {
      http.toBlocking()
          .exchange(
              HttpRequest.POST("/v1/chat/completions", body)
                  .contentType(MediaType.APPLICATION_JSON_TYPE),
              String.class);
      throw new AssertionError("expected a refusal");
    } catch (io.micronaut.http.client.exceptions.HttpClientResponseException e) {
      @SuppressWarnings("unchecked")
      HttpResponse<String> response = (HttpResponse<String>) e.getResponse();
      return HttpResponse.<String>status(response.status())
          .body(e.getResponse().getBody(String.class).orElse(""));
    }
  }

  private static List<String> texts(Map<String, Object> response) {
    return list(response.get("choices")).stream()
        .map(choice -> (String) map(choice.get("message")).get("content"))
        .toList();
  }

  private static List<String> generationIdsOf(Map<String, Object> response) {
    return list(response.get("choices")).stream()
        .map(choice -> (String) choice.get("generation_id"))
        .toList();
  }

  private static List<Integer> bytes(Map<String, Object> token) {
    return ((List<?>) token.get("bytes")).stream().map(b -> ((Number) b).intValue()).toList();
  }

  private static List<Integer> utf8(String text) {
    List<Integer> out = new ArrayList<>();
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      out.add(b & 0xFF);
    }
    return out;
  }

  private static Map<String, Object> parse(JsonMapper json, String body) {
    try {
      return json.readValue(body, Argument.mapOf(String.class, Object.class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Object value) {
    return (List<Map<String, Object>>) value;
  }

  /** The GenerationLogged events of these generation ids, each keyed by its id. */
  private Map<String, GenerationLogged> readGenerations(List<String> ids) {
    return TopicEvents.readByKey(topics.generations(), GenerationLogged.class, ids, TOPIC_WAIT);
  }
}
