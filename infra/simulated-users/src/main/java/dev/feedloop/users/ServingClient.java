package dev.feedloop.users;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * serving's public HTTP API as OpenAI clients see it: {@code POST /v1/chat/completions} in OpenAI's
 * request shape and {@code POST /v1/feedback}; an API key, when given, goes as {@code
 * Authorization: Bearer}. Thread-safe.
 */
public final class ServingClient {
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(120);

  private final URI base;
  private final String apiKey;
  private final String model;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final ObjectMapper json = new ObjectMapper();

  /**
   * @param baseUrl serving's root, with or without the trailing {@code /v1}
   * @param apiKey a key of serving's, or null when serving is open
   * @param model the model name requests carry (serving answers with what it serves)
   */
  public ServingClient(String baseUrl, String apiKey, String model) {
    String root = baseUrl.replaceAll("/+$", "");
    this.base = URI.create(root.endsWith("/v1") ? root : root + "/v1");
    this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey;
    this.model = model;
  }

  /** A completion: the HTTP status and, when 200, the candidates. */
  public record ChatReply(int status, List<Candidate> candidates) {}

  /**
   * One chat completion of a single user turn.
   *
   * @param user OpenAI's {@code user} field: the user's id
   * @param temperature 0 for greedy decoding
   */
  public ChatReply chat(
      String prompt, int n, double temperature, double topP, int maxTokens, String user)
      throws IOException, InterruptedException {
    ObjectNode body = json.createObjectNode();
    body.put("model", model);
    ArrayNode messages = body.putArray("messages");
    messages.addObject().put("role", "user").put("content", prompt);
    body.put("temperature", temperature);
    body.put("top_p", topP);
    body.put("n", n);
    body.put("max_tokens", maxTokens);
    body.put("user", user);
    HttpResponse<String> response = post("/chat/completions", body);
    if (response.statusCode() != 200) {
      return new ChatReply(response.statusCode(), List.of());
    }
    List<Candidate> candidates = new ArrayList<>();
    for (JsonNode choice : json.readTree(response.body()).path("choices")) {
      JsonNode version = choice.path("adapter_version");
      candidates.add(
          new Candidate(
              choice.path("generation_id").asText(),
              choice.path("message").path("content").asText(""),
              version.isNumber() ? version.asLong() : null));
    }
    return new ChatReply(200, candidates);
  }

  /** Sends {@code action} as {@code userId}'s feedback; the HTTP status (202 when accepted). */
  public int feedback(FeedbackAction action, String userId)
      throws IOException, InterruptedException {
    ObjectNode body = json.createObjectNode();
    body.put("generation_id", action.generationId());
    body.put("kind", action.apiKind());
    if (action.otherGenerationId() != null) {
      body.put("other_generation_id", action.otherGenerationId());
    }
    if (action.editedText() != null) {
      body.put("edited_text", action.editedText());
    }
    body.put("user_id", userId);
    return post("/feedback", body).statusCode();
  }

  /**
   * What GET /v1/adapters says: the live version (0: the base model) and every announced version's
   * status on the replica that answered (live, available, refused, rolled_back).
   */
  public record AdapterStatus(long liveVersion, Map<Long, String> statusByVersion) {}

  /** GET /v1/adapters; an IOException when serving does not answer 200. */
  public AdapterStatus adapters() throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + "/adapters")).timeout(REQUEST_TIMEOUT).GET();
    if (apiKey != null) {
      request.header("Authorization", "Bearer " + apiKey);
    }
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("GET /v1/adapters answered " + response.statusCode());
    }
    JsonNode list = json.readTree(response.body());
    Map<Long, String> statuses = new TreeMap<>();
    for (JsonNode version : list.path("data")) {
      statuses.put(version.path("version").asLong(), version.path("status").asText());
    }
    return new AdapterStatus(list.path("live_version").asLong(), Map.copyOf(statuses));
  }

  private HttpResponse<String> post(String path, ObjectNode body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(REQUEST_TIMEOUT)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
    if (apiKey != null) {
      request.header("Authorization", "Bearer " + apiKey);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
