package dev.feedloop.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.model.Completion;
import dev.feedloop.model.LanguageModel;
import dev.feedloop.model.SamplingParams;
import dev.feedloop.model.generate.GeneratedToken;
import dev.feedloop.model.lora.AdapterSlot;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.schemas.ChatMessages;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.serving.api.ChatCompletionRequest;
import dev.feedloop.serving.chat.ChatService;
import dev.feedloop.serving.chat.DecodeLoop;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.http.sse.Event;
import io.micronaut.json.JsonMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
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
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * The decode loop's limits with a batch of one row and a queue of one request: requests beyond them
 * are refused with 429 at once; a client that disconnects frees its row.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GenerationLimitsTest implements TestPropertyProvider {

  @Inject
  @Client("/")
  HttpClient http;

  @Inject JsonMapper json;
  @Inject MeterRegistry meters;
  @Inject ChatService chat;
  @Inject DecodeLoop loop;
  @Inject LanguageModel model;
  @Inject EmbeddedServer server;

  @Override
  public Map<String, String> getProperties() {
    TopicNames topics = SharedKafkaBroker.createUniqueTopics("serving-limits");
    String generations = topics.generations();
    return Map.of(
        "feedloop.kafka.bootstrap-servers", SharedKafkaBroker.bootstrapServers(),
        "feedloop.kafka.topic-prefix",
            generations.substring(0, generations.length() - "generations".length()),
        "feedloop.serving.model-dir", "../models/tiny-chat",
        "feedloop.serving.generation.max-batch-rows", "1",
        "feedloop.serving.generation.max-queued-requests", "1");
  }

  private static Map<String, Object> chatRequest(int maxTokens) {
    Map<String, Object> request = new HashMap<>();
    request.put("model", "tiny-chat");
    request.put("max_tokens", maxTokens);
    request.put("temperature", 1.0);
    request.put("messages", List.of(Map.of("role", "user", "content", "Tell me a long story.")));
    return request;
  }

  @Test
  void requestsBeyondTheQueueAreRefusedWith429NamingTheLimit() throws Exception {
    Counter rejected =
        meters.get("feedloop.requests.rejected").tag("limit", "max_queued_requests").counter();
    double rejectedBefore = rejected.count();
    int clients = 6;
    ExecutorService callers = Executors.newFixedThreadPool(clients);
    List<Integer> statuses = new ArrayList<>();
    List<Map<String, Object>> errors = new ArrayList<>();
    try {
      List<Future<?>> calls = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        calls.add(
            callers.submit(
                () -> {
                  try {
                    int status =
                        http.toBlocking()
                            .exchange(
                                HttpRequest.POST("/v1/chat/completions", chatRequest(96))
                                    .contentType(MediaType.APPLICATION_JSON_TYPE),
                                String.class)
                            .code();
                    synchronized (statuses) {
                      statuses.add(status);
                    }
                  } catch (HttpClientResponseException refused) {
                    String body = refused.getResponse().getBody(String.class).orElse("{}");
                    Map<String, Object> error =
                        json.readValue(body, Argument.mapOf(String.class, Object.class));
                    synchronized (statuses) {
                      statuses.add(refused.code());
                      errors.add(error);
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> call : calls) {
        call.get(120, TimeUnit.SECONDS);
      }
    } finally {
      callers.shutdownNow();
    }
    // one runs, one waits; requests arriving meanwhile are refused
    assertThat(statuses).hasSize(clients).contains(200).contains(429).containsOnly(200, 429);
    long refusals = statuses.stream().filter(s -> s == 429).count();
    assertThat(errors).hasSize((int) refusals);
    for (Map<String, Object> error : errors) {
      @SuppressWarnings("unchecked")
      Map<String, Object> detail = (Map<String, Object>) error.get("error");
      assertThat(detail)
          .containsEntry("code", "max_queued_requests")
          .containsEntry("type", "rate_limit_error");
      assertThat((String) detail.get("message")).contains("busy");
    }
    assertThat(rejected.count() - rejectedBefore).isEqualTo(refusals);
  }

  /**
   * A streaming client that goes away after the first event: its subscription is cancelled, and its
   * candidate leaves the batch at the next token boundary without being logged. The decode loop is
   * held inside another request's first token until the stream waits in the queue, so the stream's
   * first event (the role chunk, sent at admission) and the cancellation happen on the loop's
   * thread before its first token.
   */
  @Test
  void aStreamWhoseClientLeavesIsCancelledAtTheNextToken() throws Exception {
    Counter cancelled = meters.get("feedloop.candidates.cancelled").counter();
    double cancelledBefore = cancelled.count();
    Occupant occupant = holdTheLoop();

    Map<String, Object> body = chatRequest(64);
    body.put("stream", true);
    Publisher<Event<String>> events =
        chat.stream(json.readValue(json.writeValueAsBytes(body), ChatCompletionRequest.class));
    List<String> received = new CopyOnWriteArrayList<>();
    CountDownLatch gone = new CountDownLatch(1);
    events.subscribe(
        new Subscriber<>() {
          private Subscription subscription;

          @Override
          public void onSubscribe(Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
          }

          @Override
          public void onNext(Event<String> event) {
            received.add(event.getData());
            subscription.cancel(); // the client disconnects after the first event
            gone.countDown();
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onComplete() {}
        });
    occupant.release().countDown();

    assertThat(occupant.ended().await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(gone.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(received).hasSize(1);
    assertThat(received.get(0)).contains("\"role\":\"assistant\"");
    assertOneCancelledAndTheRowFree(cancelled, cancelledBefore);
  }

  /** A request that holds the decode loop inside its first token until released. */
  private record Occupant(CountDownLatch release, CountDownLatch ended) {}

  private Occupant holdTheLoop() throws InterruptedException {
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch ended = new CountDownLatch(1);
    loop.submit(
        model.promptTokens(List.of(ChatMessages.user("Hello"))),
        SamplingParams.greedy(3),
        0,
        new DecodeLoop.RequestListener() {
          @Override
          public void admitted(AdapterSlot.Lease lease) {}

          @Override
          public void token(int candidate, GeneratedToken token) {
            if (holding.getCount() > 0) {
              holding.countDown();
              await(release);
            }
          }

          @Override
          public void finished(int candidate, Completion completion, LoraAdapter adapter) {}

          @Override
          public void ended() {
            ended.countDown();
          }

          @Override
          public void failed(RuntimeException error) {}
        });
    assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();
    return new Occupant(release, ended);
  }

  /**
   * A plain (not streamed) request whose client closes the connection while it waits: Netty sees
   * the close and its candidate leaves the batch at admission, counted as cancelled, not logged.
   */
  @Test
  void aPlainRequestWhoseClientLeavesIsCancelled() throws Exception {
    Counter cancelled = meters.get("feedloop.candidates.cancelled").counter();
    double cancelledBefore = cancelled.count();
    Occupant occupant = holdTheLoop();
    byte[] body = json.writeValueAsBytes(chatRequest(256));
    try (Socket socket = new Socket("127.0.0.1", server.getPort())) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  + "Content-Type: application/json\r\nContent-Length: "
                  + body.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      // the request waits in the queue behind the occupant
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (meters.get("feedloop.queue.length").gauge().value() < 1) {
        assertThat(System.nanoTime()).as("the request queued").isLessThan(deadline);
        Thread.sleep(10);
      }
    } // the client goes away
    // the close reaches the server's event loop, which cancels the queued request
    Thread.sleep(500);
    occupant.release().countDown();
    assertThat(occupant.ended().await(30, TimeUnit.SECONDS)).isTrue();
    assertOneCancelledAndTheRowFree(cancelled, cancelledBefore);
  }

  /**
   * One candidate is counted as cancelled, and its row is gone: the next request has the one-row
   * batch to itself.
   */
  private void assertOneCancelledAndTheRowFree(Counter cancelled, double cancelledBefore)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (cancelled.count() == cancelledBefore && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(cancelled.count() - cancelledBefore).as("candidates cancelled").isEqualTo(1);
    assertThat(
            http.toBlocking()
                .exchange(
                    HttpRequest.POST("/v1/chat/completions", chatRequest(4))
                        .contentType(MediaType.APPLICATION_JSON_TYPE),
                    String.class)
                .code())
        .isEqualTo(200);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
