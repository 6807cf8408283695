package dev.feedloop.serving.limits;

import dev.feedloop.serving.access.ApiPaths;
import dev.feedloop.serving.api.ApiError;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.context.event.HttpRequestTerminatedEvent;
import io.micronaut.http.filter.ServerFilterPhase;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bounds the chat requests in flight: beyond {@link LimitSettings#maxConcurrentRequests()} a
 * request is answered 429 with {@code Retry-After} at once instead of queueing without bound. A
 * request holds its place until its response is completely written (a streamed answer included),
 * and an unauthenticated one never takes a place (the key check runs first).
 */
@ServerFilter(value = ServerFilter.MATCH_ALL_PATTERN, methods = HttpMethod.POST)
public class InFlightLimit
    implements Ordered, ApplicationEventListener<HttpRequestTerminatedEvent> {

  /** Request attribute: the place a request holds, given back exactly once. */
  private static final String PLACE = "feedloop.in-flight-place";

  private final Semaphore places;
  private final int capacity;
  private final String retryAfterSeconds;
  private final Counter refused;

  public InFlightLimit(LimitSettings limits, MeterRegistry meters) {
    this.capacity = limits.maxConcurrentRequests();
    this.places = new Semaphore(capacity);
    this.retryAfterSeconds = Long.toString(Math.max(1, limits.retryAfter().toSeconds()));
    this.refused =
        Counter.builder("feedloop.requests.refused")
            .tag("limit", Limit.CONCURRENT_REQUESTS.code())
            .description("chat requests answered 429: too many in flight")
            .register(meters);
    Gauge.builder("feedloop.requests.in.flight", this, InFlightLimit::inFlight)
        .description("chat requests admitted and not yet completely answered")
        .register(meters);
  }

  @Override
  public int getOrder() {
    return ServerFilterPhase.SECURITY.after();
  }

  @RequestFilter
  @Nullable
  public HttpResponse<ApiError> admit(HttpRequest<?> request) {
    if (!ApiPaths.CHAT_COMPLETIONS.equals(ApiPaths.normalized(request))) {
      return null;
    }
    if (!places.tryAcquire()) {
      refused.increment();
      return HttpResponse.<ApiError>status(HttpStatus.TOO_MANY_REQUESTS)
          .header(HttpHeaders.RETRY_AFTER, retryAfterSeconds)
          .body(
              ApiError.of(
                  "Too many requests in flight (this server answers at most "
                      + capacity
                      + " at once); retry after "
                      + retryAfterSeconds
                      + " s",
                  "rate_limit_error",
                  null,
                  Limit.CONCURRENT_REQUESTS.code()));
    }
    request.setAttribute(PLACE, new AtomicBoolean(true));
    return null;
  }

  @Override
  public void onApplicationEvent(HttpRequestTerminatedEvent event) {
    event
        .getSource()
        .getAttribute(PLACE, AtomicBoolean.class)
        .filter(held -> held.compareAndSet(true, false))
        .ifPresent(held -> places.release());
  }

  /** Requests holding a place now. */
  public int inFlight() {
    return capacity - places.availablePermits();
  }

  /**
   * Takes a place as a request would, for tests that need the server full without timing races.
   *
   * @return false when none is free
   */
  public boolean tryTakePlace() {
    return places.tryAcquire();
  }

  public void givePlaceBack() {
    places.release();
  }
}
