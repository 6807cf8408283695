package dev.feedloop.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.micronaut.context.annotation.Property;
import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.json.JsonMapper;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With no reachable cluster, chat goes on (its generation log waits or is counted as lost) but
 * feedback is never acknowledged: it is refused with 503 once the acknowledgement timeout passes.
 */
@MicronautTest
@Property(name = "feedloop.kafka.bootstrap-servers", value = "127.0.0.1:1")
@Property(name = "feedloop.serving.feedback-acknowledge-timeout", value = "1s")
@Property(name = "feedloop.serving.model-dir", value = "../models/tiny-chat")
class KafkaUnreachableTest {

  @Inject
  @Client("/")
  HttpClient http;

  @Inject JsonMapper json;

  @Test
  void chatAnswersButFeedbackIsRefusedUntilKafkaHoldsIt() throws IOException {
    Map<String, Object> chat =
        Map.of(
            "model",
            "tiny-chat",
            "max_tokens",
            8,
            "messages",
            List.of(Map.of("role", "user", "content", "Hi")));
    String answer =
        http.toBlocking().retrieve(HttpRequest.POST("/v1/chat/completions", chat), String.class);
    Map<String, Object> response =
        json.readValue(answer, Argument.mapOf(String.class, Object.class));
    @SuppressWarnings("unchecked")
    String generationId =
        ((List<Map<String, Object>>) response.get("choices"))
            .get(0)
            .get("generation_id")
            .toString();

    long started = System.nanoTime();
    Throwable refused =
        catchThrowable(
            () ->
                http.toBlocking()
                    .exchange(
                        HttpRequest.POST(
                            "/v1/feedback",
                            Map.of("generation_id", generationId, "kind", "thumbs_up")),
                        String.class));
    long waitedMillis = (System.nanoTime() - started) / 1_000_000;

    assertThat(refused).isInstanceOf(HttpClientResponseException.class);
    HttpClientResponseException error = (HttpClientResponseException) refused;
    assertThat(error.getStatus().getCode()).isEqualTo(503);
    assertThat(error.getResponse().getBody(String.class).orElseThrow())
        .contains("\"type\":\"service_unavailable\"");
    assertThat(waitedMillis).isBetween(900L, 9_000L);
  }

  @Test
  void notReadyWhileTheAdapterTopicsCannotBeRead() {
    // the model is loaded, but which adapter is live cannot be known without the cluster
    Throwable notReady =
        catchThrowable(() -> http.toBlocking().exchange("/health/readiness", String.class));
    assertThat(notReady).isInstanceOf(HttpClientResponseException.class);
    HttpClientResponseException error = (HttpClientResponseException) notReady;
    assertThat(error.getStatus().getCode()).isEqualTo(503);
    assertThat(error.getResponse().getBody(String.class).orElseThrow())
        .contains("\"adapters\"")
        .contains("DOWN");
  }
}
