package dev.feedloop.serving.access;

import dev.feedloop.serving.api.ApiError;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.ServerFilterPhase;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks {@code Authorization: Bearer <key>} (what OpenAI SDKs send) on every call but health, once
 * any key is configured: a missing or unknown key is answered 401, a client key on an operator
 * action 403, both as OpenAI's error object. The caller's label ({@code operator:alice}) is left in
 * the request attribute {@value #CALLER} for audit logs.
 *
 * <p>Without keys every caller is let through as {@value #LOCAL_CALLER}: the service then listens
 * on loopback only ({@link ServerBinding}).
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
public class ApiKeyFilter implements Ordered {

  /** The request attribute naming the caller, e.g. "operator:alice" or "client:web". */
  public static final String CALLER = "feedloop.caller";

  /** The caller label when no keys are configured: the service then answers loopback only. */
  public static final String LOCAL_CALLER = "local";

  private static final Logger LOG = LoggerFactory.getLogger(ApiKeyFilter.class);
  private static final String BEARER = "bearer ";

  private final ApiKeys keys;

  public ApiKeyFilter(ApiKeys keys) {
    this.keys = keys;
  }

  @Override
  public int getOrder() {
    return ServerFilterPhase.SECURITY.order();
  }

  @RequestFilter
  @Nullable
  public HttpResponse<ApiError> authenticate(HttpRequest<?> request) {
    if (!keys.enabled()) {
      request.setAttribute(CALLER, LOCAL_CALLER);
      return null;
    }
    String path = ApiPaths.normalized(request);
    if (ApiPaths.isOpen(path)) {
      return null;
    }
    Optional<String> presented = bearerToken(request);
    if (presented.isEmpty()) {
      LOG.info("Refused {} {} from {}: no API key", request.getMethod(), path, remote(request));
      return unauthorized(
          "Missing API key: send it as 'Authorization: Bearer <key>'", "missing_api_key");
    }
    Optional<ApiKeys.Caller> caller = keys.find(presented.get());
    if (caller.isEmpty()) {
      LOG.info(
          "Refused {} {} from {}: unknown API key", request.getMethod(), path, remote(request));
      return unauthorized("Incorrect API key provided", "invalid_api_key");
    }
    String label = caller.get().label();
    if (ApiPaths.needsOperator(request, path) && caller.get().role() != ApiKeys.Role.OPERATOR) {
      LOG.info("Refused {} {} to {}: operator key required", request.getMethod(), path, label);
      return HttpResponse.<ApiError>status(HttpStatus.FORBIDDEN)
          .body(
              ApiError.of(
                  "This action needs an operator key; " + label + " is a client key",
                  "permission_error",
                  null,
                  "operator_key_required"));
    }
    request.setAttribute(CALLER, label);
    return null;
  }

  private static Optional<String> bearerToken(HttpRequest<?> request) {
    return request
        .getHeaders()
        .getAuthorization()
        .filter(value -> value.toLowerCase(Locale.ROOT).startsWith(BEARER))
        .map(value -> value.substring(BEARER.length()).strip())
        .filter(token -> !token.isEmpty());
  }

  private static HttpResponse<ApiError> unauthorized(String message, String code) {
    return HttpResponse.<ApiError>status(HttpStatus.UNAUTHORIZED)
        .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"feedloop\"")
        .body(ApiError.of(message, "invalid_request_error", null, code));
  }

  private static Object remote(HttpRequest<?> request) {
    return request.getRemoteAddress().getAddress();
  }
}
