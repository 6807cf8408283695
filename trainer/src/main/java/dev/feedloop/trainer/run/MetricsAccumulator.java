package dev.feedloop.trainer.run;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Averages metric maps over the micro-batches of a logging interval; a metric missing from a batch
 * is not diluted.
 */
public final class MetricsAccumulator {
  private final Map<String, double[]> sums = new LinkedHashMap<>();

  public void add(Map<String, Double> metrics) {
    metrics.forEach(
        (name, value) -> {
          if (value != null && !value.isNaN()) {
            double[] sumAndCount = sums.computeIfAbsent(name, key -> new double[2]);
            sumAndCount[0] += value;
            sumAndCount[1]++;
          }
        });
  }

  public boolean isEmpty() {
    return sums.isEmpty();
  }

  /** The means so far, then starts over. */
  public Map<String, Double> drain() {
    Map<String, Double> means = new LinkedHashMap<>();
    sums.forEach((name, sumAndCount) -> means.put(name, sumAndCount[0] / sumAndCount[1]));
    sums.clear();
    return means;
  }
}
