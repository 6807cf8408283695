package dev.feedloop.serving.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.feedloop.serving.limits.Limit;
import dev.feedloop.serving.limits.WithinLimit;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.List;

/**
 * OpenAI's chat completion request, the fields serving understands. Unknown fields are ignored, as
 * OpenAI clients send more than any server needs. Ranges OpenAI fixes are constant annotations; the
 * server's own limits (messages, completion tokens, {@code n}) are {@link WithinLimit}, checked
 * against the configured settings.
 *
 * @param stop a string or an array of up to 4 strings (OpenAI's shape); checked by the service
 * @param maxCompletionTokens OpenAI's newer name for {@code max_tokens}; wins when both are given
 * @param stream answer with Server-Sent Events of chat.completion.chunk objects
 * @param streamOptions {@code include_usage}: a last chunk carries the usage
 * @param logprobs report each token's log-prob
 * @param topLogprobs with {@code logprobs}, also the 0 to 20 most likely tokens at each step
 */
@Serdeable
public record ChatCompletionRequest(
    @NotNull @NotEmpty @WithinLimit(Limit.MESSAGES) List<@Valid @NotNull ChatMessageBody> messages,
    @NotBlank String model,
    @Nullable @DecimalMin("0") @DecimalMax("2") Double temperature,
    @JsonProperty("top_p")
        @Nullable
        @DecimalMin(value = "0", inclusive = false, message = "must be greater than 0")
        @DecimalMax("1")
        Double topP,
    @JsonProperty("max_tokens") @Nullable @Min(1) @WithinLimit(Limit.COMPLETION_TOKENS)
        Integer maxTokens,
    @JsonProperty("max_completion_tokens") @Nullable @Min(1) @WithinLimit(Limit.COMPLETION_TOKENS)
        Integer maxCompletionTokens,
    @Nullable @Min(1) @WithinLimit(Limit.CANDIDATES) Integer n,
    @Nullable Long seed,
    @Nullable Object stop,
    @Nullable @Size(max = 256) String user,
    @Nullable Boolean stream,
    @JsonProperty("stream_options") @Nullable StreamOptions streamOptions,
    @Nullable Boolean logprobs,
    @JsonProperty("top_logprobs") @Nullable @Min(0) @Max(MAX_TOP_LOGPROBS) Integer topLogprobs) {

  /** OpenAI's stream_options. */
  @Serdeable
  public record StreamOptions(@JsonProperty("include_usage") @Nullable Boolean includeUsage) {}

  /** OpenAI's bound on {@code top_logprobs}. */
  public static final int MAX_TOP_LOGPROBS = 20;
}
