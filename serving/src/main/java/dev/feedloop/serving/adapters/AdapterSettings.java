package dev.feedloop.serving.adapters;

import io.micronaut.context.annotation.ConfigurationProperties;
import java.time.Duration;

/**
 * How a replica follows, verifies and controls adapters ({@code feedloop.serving.adapters} in
 * application.yml, each value overridable by the environment variable named there).
 *
 * @param commandAcknowledgeTimeout how long an operator's pin / unpin / rollback waits for Kafka's
 *     acknowledgement before it is answered 503
 * @param fetchTimeout how long fetching one version's chunks may take before the follower gives up
 *     for now and tries again (a slow cluster is not a broken adapter)
 * @param maxAbsWeight the largest |value| accepted in a LoRA factor; larger means a diverged or
 *     corrupted adapter, refused
 */
@ConfigurationProperties("feedloop.serving.adapters")
public record AdapterSettings(
    Duration commandAcknowledgeTimeout, Duration fetchTimeout, double maxAbsWeight) {

  public AdapterSettings {
    if (commandAcknowledgeTimeout == null || commandAcknowledgeTimeout.isNegative()) {
      throw new IllegalArgumentException(
          "command-acknowledge-timeout must be set and not negative");
    }
    if (fetchTimeout == null || fetchTimeout.isNegative() || fetchTimeout.isZero()) {
      throw new IllegalArgumentException("fetch-timeout must be positive");
    }
    if (!(maxAbsWeight > 0)) {
      throw new IllegalArgumentException("max-abs-weight must be positive, got " + maxAbsWeight);
    }
  }
}
