package dev.feedloop.trainer.run;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The metrics of one logging step: {@code split} is "train", "eval" or "window"; values use TRL's
 * names (loss, rewards/margins, ...) plus learning_rate and grad_norm for training steps.
 */
public record StepMetrics(long step, double epoch, String split, Map<String, Double> values) {
  public static final String TRAIN = "train";
  public static final String EVAL = "eval";

  /** One online (or replayed) window: trainer-metrics' metrics, held-out ones included. */
  public static final String WINDOW = "window";

  public StepMetrics {
    values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  public double value(String name) {
    Double value = values.get(name);
    return value == null ? Double.NaN : value;
  }
}
