package dev.feedloop.serving.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.model.ModelConfig;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.serving.TopicEvents;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Adapters published through Kafka (one transaction each, weights that change the outputs) are
 * swapped in repeatedly while 16 clients stream completions without pause over real HTTP: no
 * request fails, every response names one adapter version in all its chunks and its logged events
 * agree, and a request sent after a version was seen live is answered by that version or a newer
 * one.
 */
class SwapUnderLoadTest {

  private static final int CLIENTS = 16;
  private static final int VERSIONS = 5;

  /** Streams completed after a version went live before the next one is published. */
  private static final int STREAMS_PER_VERSION = CLIENTS;

  private static final Duration RUN_LIMIT = Duration.ofSeconds(90);

  /** What one client saw of one streamed request. */
  private record Streamed(
      int client,
      long liveWhenSent,
      int status,
      List<Map<String, Object>> chunks,
      boolean done,
      String failure) {}

  @Test
  void adaptersSwapUnderSixteenStreamingClientsWithoutAFailedRequest() throws Exception {
    AdapterPublishing.BaseModel tinyChat = AdapterPublishing.tinyChat();
    ModelConfig config = tinyChat.config();
    TopicNames topics = SharedKafkaBroker.createUniqueTopics("swap-under-load");
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    try (AdapterPublishing trainer =
            new AdapterPublishing(topics, "tiny-chat", tinyChat.fingerprint());
        ServingInstance replica = ServingInstance.start(topics)) {
      replica.awaitLive(0, null);
      JsonMapper json = replica.context().getBean(JsonMapper.class);
      HttpClient http =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(10))
              .build();
      URI completions = URI.create(replica.baseUrl() + "/v1/chat/completions");

      // the newest version this test has seen live in GET /v1/adapters (0: the base model)
      AtomicLong seenLive = new AtomicLong(0);
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger completed = new AtomicInteger();
      ConcurrentLinkedQueue<Streamed> results = new ConcurrentLinkedQueue<>();
      List<Future<?>> running = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        int client = c;
        running.add(
            clients.submit(
                () -> {
                  for (int i = 0; !stop.get(); i++) {
                    long live = seenLive.get();
                    results.add(stream(http, json, completions, client, i, live));
                    completed.incrementAndGet();
                  }
                  return null;
                }));
      }

      long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
      awaitCompleted(completed, STREAMS_PER_VERSION, deadline);
      for (long version = 1; version <= VERSIONS; version++) {
        trainer.publish(version, AdapterPublishing.adapterBytes(config, version));
        replica.awaitLive(version, null);
        seenLive.set(version);
        awaitCompleted(completed, completed.get() + STREAMS_PER_VERSION, deadline);
      }
      stop.set(true);
      for (Future<?> client : running) {
        client.get(60, TimeUnit.SECONDS);
      }

      // zero failed requests: every stream is 200 and ends with [DONE]
      List<Streamed> all = List.copyOf(results);
      assertThat(all).hasSizeGreaterThanOrEqualTo((VERSIONS + 1) * STREAMS_PER_VERSION);
      assertThat(all)
          .allSatisfy(
              r -> {
                assertThat(r.failure()).as("client %d", r.client()).isNull();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.done()).as("ends with [DONE]").isTrue();
              });

      Map<String, Long> versionOfGeneration = new HashMap<>();
      Map<String, StringBuilder> textOfGeneration = new HashMap<>();
      Set<Long> served = new HashSet<>();
      for (Streamed r : all) {
        Set<Object> versions = new HashSet<>();
        for (Map<String, Object> chunk : r.chunks()) {
          for (Map<String, Object> choice : choices(chunk)) {
            assertThat(choice).containsKey("adapter_version");
            versions.add(choice.get("adapter_version"));
            String generationId = (String) choice.get("generation_id");
            textOfGeneration.computeIfAbsent(generationId, id -> new StringBuilder());
            Object content = delta(choice).get("content");
            if (content != null) {
              textOfGeneration.get(generationId).append(content);
            }
          }
        }
        // one version for every chunk of every choice of a response
        assertThat(versions).as("adapter versions of one response").hasSize(1);
        Object reported = versions.iterator().next();
        long version = reported == null ? 0 : ((Number) reported).longValue();
        assertThat(version)
            .as("a request sent once version %d was live", r.liveWhenSent())
            .isGreaterThanOrEqualTo(r.liveWhenSent());
        served.add(version);
        for (Map<String, Object> chunk : r.chunks()) {
          for (Map<String, Object> choice : choices(chunk)) {
            versionOfGeneration.put((String) choice.get("generation_id"), version);
          }
        }
      }
      // the swaps happened under load: the base model and several adapters answered
      assertThat(served).contains(0L, (long) VERSIONS).hasSizeGreaterThanOrEqualTo(4);

      // the logged events name the version each response reported, and its text
      Map<String, GenerationLogged> logged =
          TopicEvents.readByKey(
              topics.generations(),
              GenerationLogged.class,
              versionOfGeneration.keySet(),
              Duration.ofSeconds(30));
      for (Map.Entry<String, Long> entry : versionOfGeneration.entrySet()) {
        GenerationLogged event = logged.get(entry.getKey());
        long version = event.getAdapterVersion() == null ? 0 : event.getAdapterVersion();
        assertThat(version).as("logged version of %s", entry.getKey()).isEqualTo(entry.getValue());
        assertThat(event.getCompletion())
            .isEqualTo(textOfGeneration.get(entry.getKey()).toString());
      }
      String metrics = replica.prometheus();
      assertThat(metrics).contains("feedloop_adapter_live_version " + VERSIONS + ".0");
      assertThat(metrics)
          .containsPattern("feedloop_adapter_swaps_total(\\{[^}]*\\})? " + VERSIONS + ".0");
    } finally {
      clients.shutdownNow();
    }
  }

  /** One streamed completion, read line by line as the server sends it. */
  private static Streamed stream(
      HttpClient http, JsonMapper json, URI completions, int client, int i, long liveWhenSent) {
    Map<String, Object> body = new HashMap<>();
    body.put("model", "tiny-chat");
    body.put("max_tokens", 12 + (client % 4) * 4);
    body.put("temperature", 0.9);
    body.put("seed", client * 1_000 + i);
    body.put("stream", true);
    body.put("stream_options", Map.of("include_usage", true));
    // a few clients ask for two candidates: both must come from the same adapter
    body.put("n", client % 5 == 0 ? 2 : 1);
    body.put(
        "messages",
        List.of(Map.of("role", "user", "content", "Question " + i + " from client " + client)));
    try {
      HttpRequest request =
          HttpRequest.newBuilder(completions)
              .timeout(Duration.ofSeconds(60))
              .header("Content-Type", "application/json")
              .header("Accept", "text/event-stream")
              .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
              .build();
      HttpResponse<Stream<String>> response =
          http.send(request, HttpResponse.BodyHandlers.ofLines());
      List<Map<String, Object>> chunks = new ArrayList<>();
      boolean done = false;
      try (Stream<String> lines = response.body()) {
        for (String line : (Iterable<String>) lines::iterator) {
          if (!line.startsWith("data: ")) {
            continue;
          }
          String data = line.substring("data: ".length());
          if (data.equals("[DONE]")) {
            done = true;
          } else {
            assertThat(done).as("nothing after [DONE]").isFalse();
            chunks.add(json.readValue(data, Argument.mapOf(String.class, Object.class)));
          }
        }
      }
      return new Streamed(client, liveWhenSent, response.statusCode(), chunks, done, null);
    } catch (IOException | RuntimeException e) {
      return new Streamed(client, liveWhenSent, -1, List.of(), false, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Streamed(client, liveWhenSent, -1, List.of(), false, e.toString());
    }
  }

  private static void awaitCompleted(AtomicInteger completed, int atLeast, long deadline) {
    while (completed.get() < atLeast) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "only " + completed.get() + " of " + atLeast + " streams completed within the limit");
      }
      ServingInstance.sleep(20);
    }
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> choices(Map<String, Object> chunk) {
    return (List<Map<String, Object>>) chunk.get("choices");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> delta(Map<String, Object> choice) {
    return (Map<String, Object>) choice.get("delta");
  }
}
