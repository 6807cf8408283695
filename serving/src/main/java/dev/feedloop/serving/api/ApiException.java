package dev.feedloop.serving.api;

import io.micronaut.http.HttpStatus;

/** A request the service refuses, with the HTTP status and OpenAI error it is answered with. */
public final class ApiException extends RuntimeException {

  private final HttpStatus status;
  private final String type;
  private final String param;
  private final String code;

  private ApiException(HttpStatus status, String type, String param, String code, String message) {
    super(message);
    this.status = status;
    this.type = type;
    this.param = param;
    this.code = code;
  }

  /** 400: the named field is malformed or out of range. */
  public static ApiException invalid(String param, String message) {
    return new ApiException(
        HttpStatus.BAD_REQUEST, "invalid_request_error", param, "invalid_value", message);
  }

  /**
   * 400: the named field exceeds one of the server's configured limits; {@code code} names the
   * limit (e.g. {@code max_prompt_tokens}).
   */
  public static ApiException limitExceeded(String param, String code, String message) {
    return new ApiException(HttpStatus.BAD_REQUEST, "invalid_request_error", param, code, message);
  }

  /** 403: the caller may not act on what the named field refers to. */
  public static ApiException forbidden(String param, String message) {
    return new ApiException(HttpStatus.FORBIDDEN, "permission_error", param, "forbidden", message);
  }

  /** 404: the named field refers to something this replica does not know. */
  public static ApiException notFound(String param, String message) {
    return new ApiException(
        HttpStatus.NOT_FOUND, "invalid_request_error", param, "not_found", message);
  }

  /** 409: the request contradicts what the service knows (e.g. a choice across prompts). */
  public static ApiException conflict(String param, String message) {
    return new ApiException(
        HttpStatus.CONFLICT, "invalid_request_error", param, "conflict", message);
  }

  /**
   * 429: a capacity limit of the service is reached; the client may retry later.
   *
   * @param limit the setting that was reached, as the error's {@code code}
   */
  public static ApiException overloaded(String limit, String message) {
    return new ApiException(HttpStatus.TOO_MANY_REQUESTS, "rate_limit_error", null, limit, message);
  }

  /** 503: a dependency (Kafka) did not answer in time; the client may retry. */
  public static ApiException unavailable(String message) {
    return new ApiException(
        HttpStatus.SERVICE_UNAVAILABLE, "service_unavailable", null, "unavailable", message);
  }

  public HttpStatus status() {
    return status;
  }

  public ApiError body() {
    return ApiError.of(getMessage(), type, param, code);
  }
}
