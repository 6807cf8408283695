package dev.feedloop.serving.access;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;

/** Answers the caller label the key filter left on the request, for {@link AccessTest}. */
@Requires(property = "feedloop.test.caller-echo", value = "true")
@Controller("/v1")
public class CallerEcho {

  @Get("/caller")
  public String client(HttpRequest<?> request) {
    return request.getAttribute(ApiKeyFilter.CALLER, String.class).orElse("none");
  }

  /** A non-GET below /v1/adapters: operators only. */
  @Post("/adapters/caller")
  public String operator(HttpRequest<?> request) {
    return request.getAttribute(ApiKeyFilter.CALLER, String.class).orElse("none");
  }
}
