package dev.feedloop.serving.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.model.LanguageModel;
import dev.feedloop.model.lora.AdapterSlot;
import dev.feedloop.schemas.kafka.TopicNames;
import io.micronaut.context.ApplicationContext;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** One serving replica on a random port, with a plain HTTP client, for multi-replica tests. */
public final class ServingInstance implements AutoCloseable {

  static final Duration WAIT = Duration.ofSeconds(60);

  private final EmbeddedServer server;
  private final JsonMapper json;
  private final HttpClient http = HttpClient.newHttpClient();
  private final String key;

  private ServingInstance(EmbeddedServer server, String key) {
    this.server = server;
    this.json = server.getApplicationContext().getBean(JsonMapper.class);
    this.key = key;
  }

  public static ServingInstance start(TopicNames topics) {
    return start(topics, Map.of(), null);
  }

  /**
   * A replica with more properties (e.g. keys); its calls send {@code key} as a Bearer token when
   * not null.
   */
  public static ServingInstance start(
      TopicNames topics, Map<String, Object> properties, String key) {
    String generations = topics.generations();
    Map<String, Object> all = new HashMap<>(properties);
    all.put("micronaut.server.port", -1);
    all.put("feedloop.kafka.bootstrap-servers", SharedKafkaBroker.bootstrapServers());
    all.put(
        "feedloop.kafka.topic-prefix",
        generations.substring(0, generations.length() - "generations".length()));
    all.put("feedloop.serving.model-dir", "../models/tiny-chat");
    EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, all);
    return new ServingInstance(server, key);
  }

  ApplicationContext context() {
    return server.getApplicationContext();
  }

  AdapterSlot slot() {
    return context().getBean(AdapterSlot.class);
  }

  LanguageModel model() {
    return context().getBean(LanguageModel.class);
  }

  /** A response: status and body as a JSON object. */
  public record Reply(int status, Map<String, Object> body) {}

  public Reply get(String path) {
    return send(request(path).GET().build());
  }

  public Reply post(String path, Object body) {
    try {
      return send(
          request(path)
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
              .build());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Posts an operator action and expects 202. */
  Map<String, Object> act(String path) {
    Reply reply = post(path, Map.of("reason", "test"));
    assertThat(reply.status()).as("%s answered %s", path, reply.body()).isEqualTo(202);
    return reply.body();
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return request;
  }

  public Map<String, Object> adapters() {
    return get("/v1/adapters").body();
  }

  long liveVersion() {
    return ((Number) adapters().get("live_version")).longValue();
  }

  /** Polls GET /v1/adapters until {@code condition} holds; fails after {@link #WAIT}. */
  public Map<String, Object> awaitAdapters(String what, Predicate<Map<String, Object>> condition) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    Map<String, Object> last = null;
    while (System.nanoTime() < deadline) {
      last = adapters();
      if (condition.test(last)) {
        return last;
      }
      sleep(100);
    }
    throw new AssertionError(what + " did not happen within " + WAIT + "; last seen " + last);
  }

  public Map<String, Object> awaitLive(long version, Long pinned) {
    return awaitAdapters(
        "live version " + version + ", pinned " + pinned,
        a ->
            ((Number) a.get("live_version")).longValue() == version
                && java.util.Objects.equals(
                    a.get("pinned_version") == null
                        ? null
                        : ((Number) a.get("pinned_version")).longValue(),
                    pinned)
                && Boolean.TRUE.equals(a.get("ready")));
  }

  /** The history entry of {@code version} in a GET /v1/adapters body. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> version(Map<String, Object> adapters, long version) {
    return ((List<Map<String, Object>>) adapters.get("data"))
        .stream()
            .filter(v -> ((Number) v.get("version")).longValue() == version)
            .findFirst()
            .orElseThrow(() -> new AssertionError("no version " + version + " in " + adapters));
  }

  String prometheus() {
    HttpRequest request = request("/prometheus").GET().build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private Reply send(HttpRequest request) {
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      Map<String, Object> body =
          response.body().isEmpty()
              ? Map.of()
              : json.readValue(response.body(), Argument.mapOf(String.class, Object.class));
      return new Reply(response.statusCode(), body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Where the replica listens, e.g. {@code http://127.0.0.1:41234}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.getPort();
  }

  private URI uri(String path) {
    return URI.create(baseUrl() + path);
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    server.getApplicationContext().close();
  }
}
