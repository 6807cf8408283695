package dev.feedloop.serving.api;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;

/**
 * Keeps the JSON body of API calls as a request attribute: when it cannot be decoded, serde does
 * not say which field was wrong, and {@link ApiErrorHandlers} needs the body to find out.
 */
@ServerFilter(value = "/v1/**", methods = HttpMethod.POST)
public class RequestBodyKeeper {

  static final String RAW_BODY = "feedloop.raw-body";

  @RequestFilter
  public void keep(HttpRequest<?> request, @Body @Nullable String body) {
    if (body != null) {
      request.setAttribute(RAW_BODY, body);
    }
  }
}
