package dev.feedloop.serving.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/**
 * OpenAI's chat.completion.chunk, one Server-Sent Event of a streamed completion. {@code usage}
 * appears only in the last chunk, when the request asked for it (its choices are then empty).
 */
@Serdeable
public record ChatCompletionChunk(
    String id,
    String object,
    long created,
    String model,
    @JsonInclude(JsonInclude.Include.ALWAYS) List<Choice> choices,
    @JsonInclude(JsonInclude.Include.NON_NULL) ChatCompletionResponse.Usage usage) {

  public static final String OBJECT = "chat.completion.chunk";

  /**
   * One candidate's piece: the role first, then content deltas, then an empty delta with the finish
   * reason. {@code generation_id} and {@code adapter_version} are extra fields, as in the
   * non-streamed answer.
   */
  @Serdeable
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record Choice(
      int index,
      Delta delta,
      Logprobs logprobs,
      @JsonProperty("finish_reason") String finishReason,
      @JsonProperty("generation_id") String generationId,
      @JsonProperty("adapter_version") Long adapterVersion) {}

  @Serdeable
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Delta(String role, String content) {}
}
