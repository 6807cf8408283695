package dev.feedloop.serving.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/** OpenAI's chat.completion object. */
@Serdeable
public record ChatCompletionResponse(
    String id, String object, long created, String model, List<Choice> choices, Usage usage) {

  public static final String OBJECT = "chat.completion";

  /**
   * One candidate. {@code generation_id} (what feedback names) and {@code adapter_version} (null:
   * the base model) are extra fields that OpenAI clients ignore; {@code logprobs} is null unless
   * the request asked for them.
   */
  @Serdeable
  public record Choice(
      int index,
      ChatMessageBody message,
      @JsonProperty("finish_reason") String finishReason,
      @JsonProperty("generation_id") String generationId,
      @JsonProperty("adapter_version") @JsonInclude(JsonInclude.Include.ALWAYS) Long adapterVersion,
      @JsonInclude(JsonInclude.Include.ALWAYS) Logprobs logprobs) {}

  /** Token counts: the prompt once, the completion tokens of every choice added up. */
  @Serdeable
  public record Usage(
      @JsonProperty("prompt_tokens") int promptTokens,
      @JsonProperty("completion_tokens") int completionTokens,
      @JsonProperty("total_tokens") int totalTokens) {}
}
