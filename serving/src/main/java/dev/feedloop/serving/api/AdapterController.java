package dev.feedloop.serving.api;

import dev.feedloop.serving.ServingSettings;
import dev.feedloop.serving.access.ApiKeyFilter;
import dev.feedloop.serving.adapters.AdapterFollower;
import dev.feedloop.serving.adapters.AdapterOperations;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import jakarta.validation.Valid;

/**
 * The live adapter and operators' actions on it. Actions travel through Kafka, so every replica
 * obeys them; each is answered 202 once Kafka acknowledged it.
 */
@Controller("/v1/adapters")
public class AdapterController {

  private final AdapterFollower follower;
  private final AdapterOperations operations;
  private final ServingSettings settings;

  public AdapterController(
      AdapterFollower follower, AdapterOperations operations, ServingSettings settings) {
    this.follower = follower;
    this.operations = operations;
    this.settings = settings;
  }

  @Get
  public AdapterList adapters() {
    return AdapterList.of(settings.modelId(), follower.state());
  }

  @Post("/{version}/pin")
  public HttpResponse<AdapterActionAccepted> pin(
      HttpRequest<?> request,
      @PathVariable long version,
      @Nullable @Valid @Body AdapterActionRequest body) {
    if (version < 0) {
      throw ApiException.invalid("version", "version must be 0 (the base model) or more");
    }
    return HttpResponse.accepted()
        .body(AdapterActionAccepted.of(operations.pin(version, operator(request), reason(body))));
  }

  @Post("/unpin")
  public HttpResponse<AdapterActionAccepted> unpin(
      HttpRequest<?> request, @Nullable @Valid @Body AdapterActionRequest body) {
    return HttpResponse.accepted()
        .body(AdapterActionAccepted.of(operations.unpin(operator(request), reason(body))));
  }

  @Post("/rollback")
  public HttpResponse<AdapterActionAccepted> rollback(
      HttpRequest<?> request, @Nullable @Valid @Body AdapterActionRequest body) {
    return HttpResponse.accepted()
        .body(AdapterActionAccepted.of(operations.rollback(operator(request), reason(body))));
  }

  private static String operator(HttpRequest<?> request) {
    return request
        .getAttribute(ApiKeyFilter.CALLER, String.class)
        .orElse(ApiKeyFilter.LOCAL_CALLER);
  }

  private static String reason(AdapterActionRequest body) {
    return body == null ? null : body.reason();
  }
}
