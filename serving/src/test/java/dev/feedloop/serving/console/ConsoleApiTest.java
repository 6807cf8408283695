package dev.feedloop.serving.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.schemas.FeedbackKind;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.serving.adapters.AdapterPublishing;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The console over real HTTP against a replica with keys, on the real broker: the page and its
 * files are open, the state needs an operator key, and the state holds what went through the topics
 * (evaluations, windows, feedback by kind, dead letters by reason, the adapters with the time they
 * went live and the freshness of an accepted window).
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleApiTest implements TestPropertyProvider {

  private static final String CLIENT_KEY = "client-key-console-0123456789abcdef";
  private static final String OPERATOR_KEY = "operator-key-console-0123456789abcdef";
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Inject EmbeddedServer server;
  @Inject JsonMapper json;

  private final HttpClient http = HttpClient.newHttpClient();
  private TopicNames topics;

  @Override
  public Map<String, String> getProperties() {
    topics = SharedKafkaBroker.createUniqueTopics("serving-console");
    String generations = topics.generations();
    Map<String, String> properties = new HashMap<>();
    properties.put("feedloop.kafka.bootstrap-servers", SharedKafkaBroker.bootstrapServers());
    properties.put(
        "feedloop.kafka.topic-prefix",
        generations.substring(0, generations.length() - "generations".length()));
    properties.put("feedloop.serving.model-dir", "../models/tiny-chat");
    properties.put("feedloop.serving.access.api-keys", "web:" + CLIENT_KEY);
    properties.put("feedloop.serving.access.operator-keys", "alice:" + OPERATOR_KEY);
    return properties;
  }

  @Test
  void thePageAndItsFilesAreOpenAndServedFromTheJar() {
    HttpResponse<String> page = get("/console", null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    assertThat(page.body())
        .contains("id=\"live-version\"")
        .contains("/console/vendor/uplot/dist/uPlot.iife.min.js")
        .doesNotContain("https://");

    HttpResponse<String> uplot = get("/console/vendor/uplot/dist/uPlot.iife.min.js", null);
    assertThat(uplot.statusCode()).isEqualTo(200);
    assertThat(uplot.body()).contains("uPlot");
    assertThat(get("/console/vendor/uplot/dist/uPlot.min.css", null).statusCode()).isEqualTo(200);
    assertThat(get("/console/vendor/uplot/LICENSE", null).body()).contains("MIT");
    HttpResponse<String> script = get("/console/assets/console.js", null);
    assertThat(script.statusCode()).isEqualTo(200);
    assertThat(script.body()).contains("/console/api/state");
    assertThat(get("/console/assets/console.css", null).statusCode()).isEqualTo(200);
  }

  @Test
  void theStateNeedsAnOperatorKey() {
    HttpResponse<String> missing = get("/console/api/state", null);
    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(missing.body()).contains("missing_api_key");
    assertThat(missing.headers().firstValue("WWW-Authenticate")).isPresent();
    assertThat(get("/console/api/state", "wrong-key-0123456789").statusCode()).isEqualTo(401);
    // another spelling of the path is the same path
    assertThat(get("/console/assets/../api/state", null).statusCode()).isEqualTo(401);
    assertThat(get("/console//api/state", null).statusCode()).isEqualTo(401);
    HttpResponse<String> client = get("/console/api/state", CLIENT_KEY);
    assertThat(client.statusCode()).isEqualTo(403);
    assertThat(client.body()).contains("operator_key_required");
    assertThat(get("/console/api/state", OPERATOR_KEY).statusCode()).isEqualTo(200);
  }

  @Test
  @SuppressWarnings("unchecked")
  void theStateHoldsWhatWentThroughTheTopics() {
    try (LoopEvents loop = new LoopEvents(topics)) {
      loop.evaluation(0, null, 0.125);
      loop.evaluation(1, 1L, 0.375);
      loop.garbage(topics.evaluations());
      loop.window(1, 32, "refused", null, "accuracy-drop", 1200);
      loop.window(2, 8, "skipped", null, "no-trainable-records", 800);
      loop.window(3, 32, "accepted", 1L, null, 1500);
      for (FeedbackKind kind :
          List.of(FeedbackKind.THUMBS_UP, FeedbackKind.THUMBS_UP, FeedbackKind.CHOICE)) {
        loop.feedback(kind);
      }
      loop.deadLetter("near-identical-pair");
      loop.deadLetter("near-identical-pair");
      loop.deadLetter("unknown-generation");
      // published after the replica started: its way to serving is measured
      AdapterPublishing.BaseModel base = AdapterPublishing.tinyChat();
      try (AdapterPublishing trainer =
          new AdapterPublishing(topics, "tiny-chat", base.fingerprint())) {
        trainer.publish(1, AdapterPublishing.adapterBytes(base.config(), 1));
      }

      Map<String, Object> state =
          awaitState(
              "all events and version 1 live",
              s ->
                  list(s, "evaluations").size() == 2
                      && list(s, "windows").size() == 3
                      && total(map(s, "feedback"), "choice") == 1
                      && total(map(map(s, "dead_letters"), "rates"), "unknown-generation") == 1
                      && number(map(s, "live"), "version") == 1);

      assertThat(state.get("model")).isEqualTo("tiny-chat");
      assertThat(number(state, "lookback_ms")).isEqualTo(Duration.ofHours(6).toMillis());
      List<Map<String, Object>> curve = list(state, "evaluations");
      assertThat(curve).extracting(e -> e.get("satisfaction")).containsExactly(0.125, 0.375);
      assertThat(curve.get(0).get("adapter_version")).isNull();
      assertThat(curve.get(1).get("adapter_version")).isEqualTo(1);
      assertThat(((Number) curve.get(1).get("greedy_satisfaction")).doubleValue())
          .isCloseTo(0.475, within(1e-9));
      assertThat(curve.get(1).get("well_formed")).isEqualTo(0.9);

      List<Map<String, Object>> windows = list(state, "windows");
      assertThat(windows)
          .extracting(w -> w.get("outcome"))
          .containsExactly("refused", "skipped", "accepted");
      assertThat(windows.get(0).get("reason")).isEqualTo("accuracy-drop");
      assertThat((String) windows.get(0).get("reason_detail")).contains("held-out accuracy");
      assertThat(windows.get(2).get("records")).isEqualTo(32);
      assertThat(map(windows.get(2), "times"))
          .containsEntry("train", 300.0)
          .containsEntry("publish", 20.0)
          .doesNotContainKey("loss");
      assertThat(map(state, "window_outcomes"))
          .containsEntry("accepted", 1)
          .containsEntry("refused", 1)
          .containsEntry("skipped", 1);
      assertThat(map(state, "trainer_reasons"))
          .containsEntry("accuracy-drop", 1)
          .containsEntry("no-trainable-records", 1);

      Map<String, Object> feedback = map(state, "feedback");
      assertThat((List<String>) feedback.get("labels"))
          .containsExactly("thumbs_up", "thumbs_down", "retract", "choice", "edit");
      assertThat(map(feedback, "totals"))
          .containsEntry("thumbs_up", 2)
          .containsEntry("choice", 1)
          .containsEntry("thumbs_down", 0);
      assertThat(number(feedback, "bucket_ms")).isEqualTo(10_000);
      long bucketed =
          list(feedback, "buckets").stream()
              .mapToLong(b -> number(map(b, "counts"), "thumbs_up"))
              .sum();
      assertThat(bucketed).isEqualTo(2);

      Map<String, Object> deadLetters = map(state, "dead_letters");
      assertThat(map(map(deadLetters, "rates"), "totals"))
          .containsEntry("near-identical-pair", 2)
          .containsEntry("unknown-generation", 1);
      assertThat(list(deadLetters, "recent")).hasSize(3);
      assertThat(list(deadLetters, "recent").get(0).get("source_topic"))
          .isEqualTo(topics.feedback());

      Map<String, Object> live = map(state, "live");
      assertThat(live.get("pinned_version")).isNull();
      assertThat(live.get("ready")).isEqualTo(true);
      Map<String, Object> adapter = list(state, "adapters").get(0);
      assertThat(adapter.get("status")).isEqualTo("live");
      assertThat(number(live, "live_since")).isEqualTo(number(adapter, "went_live_at"));
      long publishToLive = number(adapter, "publish_to_live_ms");
      assertThat(publishToLive)
          .isEqualTo(number(adapter, "went_live_at") - number(adapter, "created_at"));
      assertThat(map(adapter, "metrics")).containsKey("eval/rewards/accuracies");

      // the accepted window's way to serving: the trainer's freshness plus commit to live here
      double swap = Math.max(0, publishToLive - 20.0);
      assertThat(((Number) windows.get(2).get("record_to_live_ms")).doubleValue())
          .isCloseTo(1500 + swap, within(1e-6));
      assertThat(windows.get(0).get("record_to_live_ms")).isNull();
      Map<String, Object> freshness = map(state, "freshness");
      assertThat(number(freshness, "adapter_version")).isEqualTo(1);
      assertThat(number(freshness, "window")).isEqualTo(3);
      assertThat(((Number) freshness.get("record_to_commit_ms")).doubleValue()).isEqualTo(1500);
      assertThat(map(freshness, "shares"))
          .containsKeys("consume", "train", "evaluate", "publish", "swap");

      assertThat((List<String>) map(state, "feed").get("following"))
          .containsExactlyInAnyOrder(
              topics.evaluations(),
              topics.trainerMetrics(),
              topics.feedback(),
              topics.deadLetter());
      assertThat((List<String>) map(state, "feed").get("waiting")).isEmpty();
    }
  }

  private Map<String, Object> awaitState(String what, Predicate<Map<String, Object>> condition) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    Map<String, Object> last = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> response = get("/console/api/state", OPERATOR_KEY);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      last = parse(response.body());
      if (condition.test(last)) {
        return last;
      }
      sleep();
    }
    throw new AssertionError(what + " not in the state within " + WAIT + "; last " + last);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Map<String, Object> body, String name) {
    return (List<Map<String, Object>>) body.get(name);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Map<String, Object> body, String name) {
    return (Map<String, Object>) body.get(name);
  }

  private static long number(Map<String, Object> body, String name) {
    return ((Number) body.get(name)).longValue();
  }

  private static long total(Map<String, Object> rates, String label) {
    Object value = map(rates, "totals").get(label);
    return value == null ? 0 : ((Number) value).longValue();
  }

  private HttpResponse<String> get(String path, String key) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getPort() + path));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    try {
      return http.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private Map<String, Object> parse(String body) {
    try {
      return json.readValue(body, Argument.mapOf(String.class, Object.class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
