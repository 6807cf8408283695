package dev.feedloop.serving.limits;

/**
 * The configurable request limits; {@link #code()} is the {@code code} of the error refusing it.
 */
public enum Limit {
  MESSAGES("max_messages"),
  PROMPT_TOKENS("max_prompt_tokens"),
  COMPLETION_TOKENS("max_completion_tokens"),
  CANDIDATES("max_candidates"),
  BODY_SIZE("max_body_size"),
  CONCURRENT_REQUESTS("max_concurrent_requests");

  private final String code;

  Limit(String code) {
    this.code = code;
  }

  public String code() {
    return code;
  }
}
