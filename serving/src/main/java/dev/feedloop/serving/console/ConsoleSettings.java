package dev.feedloop.serving.console;

import io.micronaut.context.annotation.ConfigurationProperties;
import java.time.Duration;

/**
 * What the operator console reads and keeps ({@code feedloop.serving.console} in application.yml,
 * each value overridable by the environment variable named there).
 *
 * @param lookback how far back the console reads the evaluations, trainer-metrics, feedback and
 *     dead-letter topics when the replica starts (by record time), and how long it keeps rate
 *     buckets: every replica shows the same recent history, whenever it started
 * @param rateBucket the width of one bucket of the feedback and dead-letter rates
 * @param maxPoints the most evaluations and the most trainer windows kept (the newest), so memory
 *     and the state's size stay bounded however long the loop runs
 */
@ConfigurationProperties("feedloop.serving.console")
public record ConsoleSettings(Duration lookback, Duration rateBucket, int maxPoints) {

  public ConsoleSettings {
    if (lookback == null || lookback.isNegative() || lookback.isZero()) {
      throw new IllegalArgumentException("console lookback must be positive");
    }
    if (rateBucket == null || rateBucket.toMillis() < 1000) {
      throw new IllegalArgumentException("console rate-bucket must be at least 1s");
    }
    if (maxPoints < 1) {
      throw new IllegalArgumentException("console max-points must be positive, got " + maxPoints);
    }
  }
}
