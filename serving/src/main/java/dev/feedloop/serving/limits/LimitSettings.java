package dev.feedloop.serving.limits;

import dev.feedloop.serving.api.ApiException;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * The request limits of one replica, from application.yml's {@code feedloop.serving.limits} block
 * (each value overridable by the environment variable named there). The largest {@code n} is {@code
 * feedloop.serving.max-candidates} and the body size {@code micronaut.server.max-request-size}.
 *
 * @param maxMessages messages in one chat request
 * @param maxPromptTokens tokens of the rendered prompt (the model's context bounds it too)
 * @param maxCompletionTokens the largest {@code max_tokens} / {@code max_completion_tokens}
 * @param maxConcurrentRequests chat requests in flight at once; more are answered 429
 * @param retryAfter what a 429 advises in {@code Retry-After}
 */
@ConfigurationProperties("feedloop.serving.limits")
public record LimitSettings(
    @Bindable(defaultValue = "64") int maxMessages,
    @Bindable(defaultValue = "4096") int maxPromptTokens,
    @Bindable(defaultValue = "2048") int maxCompletionTokens,
    @Bindable(defaultValue = "64") int maxConcurrentRequests,
    @Bindable(defaultValue = "1s") Duration retryAfter) {

  public LimitSettings {
    if (maxMessages < 1
        || maxPromptTokens < 1
        || maxCompletionTokens < 1
        || maxConcurrentRequests < 1) {
      throw new IllegalArgumentException(
          "feedloop.serving.limits: max-messages, max-prompt-tokens, max-completion-tokens and"
              + " max-concurrent-requests must be positive");
    }
    if (retryAfter == null || retryAfter.isNegative()) {
      throw new IllegalArgumentException("feedloop.serving.limits.retry-after must be >= 0");
    }
  }

  /** The rendered prompt must fit {@link #maxPromptTokens}: 400 naming the limit otherwise. */
  public void requirePromptWithinLimit(int promptTokens) {
    if (promptTokens > maxPromptTokens) {
      throw ApiException.limitExceeded(
          "messages",
          Limit.PROMPT_TOKENS.code(),
          "the prompt has "
              + promptTokens
              + " tokens; this server takes at most "
              + maxPromptTokens);
    }
  }
}
