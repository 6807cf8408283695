package dev.feedloop.serving.adapters;

import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import io.micronaut.management.health.indicator.annotation.Readiness;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.Map;
import org.reactivestreams.Publisher;

/**
 * /health/readiness is DOWN until the follower has read the adapters and adapter-commands topics up
 * to their end as of start and installed the version they make live (the model itself is loaded
 * before the follower exists).
 */
@Singleton
@Readiness
public final class AdapterReadiness implements HealthIndicator {

  private final AdapterFollower follower;

  public AdapterReadiness(AdapterFollower follower) {
    this.follower = follower;
  }

  @Override
  public Publisher<HealthResult> getResult() {
    AdapterState state = follower.state();
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("live_version", state.live());
    details.put("decided_version", state.decision().live());
    details.put("pinned_version", state.decision().pinned());
    return Publishers.just(
        HealthResult.builder("adapters", state.ready() ? HealthStatus.UP : HealthStatus.DOWN)
            .details(details)
            .build());
  }
}
