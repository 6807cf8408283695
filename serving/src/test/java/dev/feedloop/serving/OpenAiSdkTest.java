package dev.feedloop.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.kafka.TopicNames;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Serving through the real, unmodified OpenAI npm SDK (src/test/node, version pinned in its
 * package-lock.json): completions with every sampling field, a streamed completion with its usage
 * chunk (matching the logged event), logprobs, the model list, the SDK's error classes for a 400
 * and a 401, and feedback through fetch. Node.js and npm are required: without them this test
 * fails, it never skips.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiSdkTest implements TestPropertyProvider {

  private static final String API_KEY = "sdk-check-key-0123456789abcdef";
  private static final Path NODE_PROJECT = Path.of("src/test/node");
  private static final long NPM_CI_MINUTES = 5;
  private static final long SCRIPT_MINUTES = 3;

  @Inject EmbeddedServer server;
  @Inject JsonMapper json;

  private TopicNames topics;

  @Override
  public Map<String, String> getProperties() {
    topics = SharedKafkaBroker.createUniqueTopics("serving-sdk");
    String generations = topics.generations();
    return Map.of(
        "feedloop.kafka.bootstrap-servers",
        SharedKafkaBroker.bootstrapServers(),
        "feedloop.kafka.topic-prefix",
        generations.substring(0, generations.length() - "generations".length()),
        "feedloop.serving.model-dir",
        "../models/tiny-chat",
        "feedloop.serving.access.api-keys",
        "sdk:" + API_KEY);
  }

  @Test
  @SuppressWarnings("unchecked")
  void theOpenAiNpmClientWorksUnchanged() throws Exception {
    if (!Files.isDirectory(NODE_PROJECT.resolve("node_modules/openai"))) {
      run(NPM_CI_MINUTES, List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of());
    }
    String baseUrl = "http://127.0.0.1:" + server.getPort() + "/v1";
    String output =
        run(
            SCRIPT_MINUTES,
            List.of("node", "sdk-check.mjs"),
            Map.of("FEEDLOOP_BASE_URL", baseUrl, "FEEDLOOP_API_KEY", API_KEY));
    String lastLine = output.strip().substring(output.strip().lastIndexOf('\n') + 1);
    Map<String, Object> results =
        json.readValue(lastLine, Argument.mapOf(String.class, Object.class));

    Map<String, Object> completion = (Map<String, Object>) results.get("completion");
    assertThat(completion).containsEntry("object", "chat.completion");
    assertThat(completion).containsEntry("model", "tiny-chat");
    List<Map<String, Object>> choices = (List<Map<String, Object>>) completion.get("choices");
    assertThat(choices).hasSize(2);
    for (int i = 0; i < choices.size(); i++) {
      Map<String, Object> choice = choices.get(i);
      assertThat(choice).containsEntry("index", i).containsEntry("role", "assistant");
      assertThat(choice.get("finish_reason")).isIn("stop", "length");
      assertThat((String) choice.get("content")).isNotBlank().doesNotContain("\n\n");
      assertThat(UUID.fromString((String) choice.get("generation_id")).version()).isEqualTo(4);
      assertThat(choice).containsEntry("has_adapter_version", true);
    }
    Map<String, Object> usage = (Map<String, Object>) completion.get("usage");
    int prompt = ((Number) usage.get("prompt_tokens")).intValue();
    int generated = ((Number) usage.get("completion_tokens")).intValue();
    assertThat(prompt).isPositive();
    assertThat(generated).isBetween(2, 32);
    assertThat(((Number) usage.get("total_tokens")).intValue()).isEqualTo(prompt + generated);

    Map<String, Object> streamed = (Map<String, Object>) results.get("streaming");
    assertThat((List<String>) streamed.get("objects")).containsExactly("chat.completion.chunk");
    assertThat(streamed).containsEntry("role", "assistant");
    assertThat((String) streamed.get("text")).isNotEmpty();
    assertThat(streamed.get("finish_reason")).isIn("stop", "length");
    // every chunk of the one choice names the same generation; the usage chunk comes last, alone
    assertThat(streamed).containsEntry("choice_chunks_without_generation_id", 0);
    List<String> streamedIds = (List<String>) streamed.get("generation_ids");
    assertThat(streamedIds).hasSize(1);
    assertThat(streamed)
        .containsEntry("usage_chunk_choices", 0)
        .containsEntry("chunks_after_usage", 0);
    Map<String, Object> streamedUsage = (Map<String, Object>) streamed.get("usage");
    int streamedTokens = ((Number) streamedUsage.get("completion_tokens")).intValue();
    assertThat(streamedUsage.get("prompt_tokens")).isEqualTo(prompt);
    assertThat(streamedTokens).isBetween(1, 16);
    assertThat(((Number) streamedUsage.get("total_tokens")).intValue())
        .isEqualTo(prompt + streamedTokens);
    assertThat(((Number) streamed.get("content_chunks")).intValue()).isBetween(1, streamedTokens);
    GenerationLogged streamedEvent =
        TopicEvents.readByKey(
                topics.generations(), GenerationLogged.class, streamedIds, Duration.ofSeconds(30))
            .get(streamedIds.get(0));
    assertThat(streamedEvent.getCompletion()).isEqualTo(streamed.get("text"));
    assertThat(streamedEvent.getCompletionTokens()).isEqualTo(streamedTokens);
    assertThat(streamedEvent.getFinishReason()).isEqualTo(streamed.get("finish_reason"));

    Map<String, Object> logprobs = (Map<String, Object>) results.get("logprobs");
    List<Map<String, Object>> tokens = (List<Map<String, Object>>) logprobs.get("tokens");
    assertThat(tokens).hasSize(((Number) logprobs.get("completion_tokens")).intValue());
    assertThat(tokens).isNotEmpty();
    StringBuilder tokenBytes = new StringBuilder();
    for (Map<String, Object> token : tokens) {
      double logprob = ((Number) token.get("logprob")).doubleValue();
      assertThat(logprob).isNotPositive();
      List<Number> top = (List<Number>) token.get("top");
      assertThat(top).hasSize(2);
      assertThat(top.get(0).doubleValue()).isGreaterThanOrEqualTo(top.get(1).doubleValue());
      assertThat(top.get(0).doubleValue()).isGreaterThanOrEqualTo(logprob - 1e-6);
      assertThat((List<?>) token.get("bytes")).isNotNull();
      tokenBytes.append(token.get("token"));
    }
    assertThat(tokenBytes.toString()).isNotEmpty();

    assertThat((List<String>) ((Map<String, Object>) results.get("models")).get("ids"))
        .containsExactly("tiny-chat");

    Map<String, Object> badRequest = (Map<String, Object>) results.get("badRequest");
    assertThat(badRequest)
        .containsEntry("raised", true)
        .containsEntry("class", "BadRequestError")
        .containsEntry("isApiError", true)
        .containsEntry("status", 400)
        .containsEntry("type", "invalid_request_error")
        .containsEntry("param", "temperature")
        .containsEntry("code", "decimal_above_max_value");

    Map<String, Object> wrongKey = (Map<String, Object>) results.get("wrongKey");
    assertThat(wrongKey)
        .containsEntry("raised", true)
        .containsEntry("class", "AuthenticationError")
        .containsEntry("status", 401)
        .containsEntry("code", "invalid_api_key");

    Map<String, Object> feedback = (Map<String, Object>) results.get("feedback");
    assertThat(feedback).containsEntry("status", 202);
    assertThat((Map<String, Object>) feedback.get("body"))
        .containsEntry("status", "accepted")
        .containsEntry("generation_id", choices.get(0).get("generation_id"));
  }

  /** Runs a command in the node project; fails the test when it cannot run or exits non-zero. */
  private static String run(long minutes, List<String> command, Map<String, String> environment)
      throws IOException, InterruptedException {
    // output goes to a file, so a hanging process cannot block the reader past the timeout
    Path log = Files.createTempFile("openai-sdk-check", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(new ArrayList<>(command))
            .directory(NODE_PROJECT.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().putAll(environment);
    Process process;
    try {
      process = builder.start();
    } catch (IOException missing) {
      return fail(
          "The OpenAI SDK test needs Node.js (>= 18) and npm on the PATH to run "
              + String.join(" ", command)
              + " in "
              + NODE_PROJECT.toAbsolutePath()
              + ": "
              + missing.getMessage());
    }
    process.getOutputStream().close();
    boolean finished = process.waitFor(minutes, TimeUnit.MINUTES);
    if (!finished) {
      process.destroyForcibly().waitFor();
    }
    String text = Files.readString(log, StandardCharsets.UTF_8);
    Files.delete(log);
    if (!finished) {
      return fail(
          String.join(" ", command) + " did not finish within " + minutes + " minutes:\n" + text);
    }
    assertThat(process.exitValue()).as(String.join(" ", command) + " failed:\n" + text).isZero();
    return text;
  }
}
