package dev.feedloop.trainer.loss;

import ai.djl.ndarray.NDArray;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A scalar loss (with gradient) and its metrics, named as TRL logs them ({@code loss}, {@code
 * rewards/chosen}, {@code rewards/margins}, {@code logps/chosen}, {@code kl}, {@code nll}, ...).
 * Metrics are plain numbers: they are detached and copied off the device.
 */
public record LossResult(NDArray loss, Map<String, Double> metrics) {
  public LossResult {
    metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
  }

  public double metric(String name) {
    Double value = metrics.get(name);
    if (value == null) {
      throw new IllegalArgumentException("no metric " + name + " in " + metrics.keySet());
    }
    return value;
  }
}
