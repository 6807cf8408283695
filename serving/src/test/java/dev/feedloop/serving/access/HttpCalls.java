package dev.feedloop.serving.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Plain HTTP/1.1 calls with full control of headers, answering status, headers and body. */
final class HttpCalls {

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();
  private final URI base;
  private final JsonMapper json;

  HttpCalls(URL base, JsonMapper json) {
    this.base = URI.create(base.toString());
    this.json = json;
  }

  HttpResponse<String> get(String path, String key) {
    return send(request(path, key).GET());
  }

  /** A GET with one header set as given (e.g. an Authorization of another scheme). */
  HttpResponse<String> send(String path, String header, String value) {
    return send(HttpRequest.newBuilder(base.resolve(path)).header(header, value).GET());
  }

  HttpResponse<String> post(String path, String key, Object body) {
    return postRaw(path, key, write(body));
  }

  HttpResponse<String> postRaw(String path, String key, String body) {
    return send(
        request(path, key)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private HttpRequest.Builder request(String path, String key) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(120));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return request;
  }

  private HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  String write(Object body) {
    try {
      return json.writeValueAsString(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Map<String, Object> parse(String body) {
    try {
      return json.readValue(body, Argument.mapOf(String.class, Object.class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The OpenAI error object of a refusal, checking its shape. */
  @SuppressWarnings("unchecked")
  Map<String, Object> error(HttpResponse<String> refused, int status) {
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(status);
    assertThat(refused.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
    Map<String, Object> error = (Map<String, Object>) parse(refused.body()).get("error");
    assertThat(error).containsKeys("message", "type", "param", "code");
    assertThat((String) error.get("message")).isNotBlank();
    return error;
  }

  static Map<String, Object> chat(String question, int maxTokens) {
    return Map.of(
        "model",
        "tiny-chat",
        "max_tokens",
        maxTokens,
        "messages",
        List.of(Map.of("role", "user", "content", question)));
  }
}
