package dev.feedloop.serving.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.serde.annotation.Serdeable;

/** OpenAI's error body: {"error": {"message", "type", "param", "code"}}. */
@Serdeable
public record ApiError(Detail error) {

  /**
   * @param param the request field at fault (JSON name and path, e.g. {@code messages[0].role}),
   *     null when no single field is
   */
  @Serdeable
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record Detail(String message, String type, String param, String code) {}

  public static ApiError of(String message, String type, String param, String code) {
    return new ApiError(new Detail(message, type, param, code));
  }
}
