package dev.feedloop.serving.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/**
 * OpenAI's {@code choice.logprobs}: per generated token its text, log-prob (the model's raw
 * distribution, before temperature and truncation), UTF-8 bytes and the most likely alternatives.
 */
@Serdeable
public record Logprobs(@JsonInclude(JsonInclude.Include.ALWAYS) List<Token> content) {

  @Serdeable
  public record Token(
      String token,
      double logprob,
      @JsonInclude(JsonInclude.Include.ALWAYS) List<Integer> bytes,
      @JsonProperty("top_logprobs") @JsonInclude(JsonInclude.Include.ALWAYS)
          List<Alternative> topLogprobs) {}

  @Serdeable
  public record Alternative(
      String token, double logprob, @JsonInclude(JsonInclude.Include.ALWAYS) List<Integer> bytes) {}
}
