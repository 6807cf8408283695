package dev.feedloop.trainer.online;

import java.util.Map;

/**
 * What training one window gave: the decision, its metrics, the candidate's weights when it is to
 * be published, and the snapshot the trainer adopts once the window is committed.
 *
 * @param outcome {@link #ACCEPTED}, {@link #REFUSED} or {@link #SKIPPED}
 * @param reason the refusal's (or skip's) stable code, null when accepted
 * @param detail the figures that decided, in words
 * @param metrics TRL-named training and held-out metrics, guardrail figures, record counts, times
 * @param version the version published, 0 when nothing is
 * @param adapter the published adapter's safetensors, null when nothing is
 * @param after the state after this window
 */
public record WindowResult(
    Window window,
    String outcome,
    String reason,
    String detail,
    Map<String, Double> metrics,
    long version,
    byte[] adapter,
    TrainerSnapshot after) {

  public static final String ACCEPTED = "accepted";
  public static final String REFUSED = "refused";
  public static final String SKIPPED = "skipped";

  /** The skip reason of a window with nothing to train on (all held out, other models, ...). */
  public static final String NO_TRAINABLE_RECORDS = "no-trainable-records";

  public WindowResult {
    metrics = Map.copyOf(metrics);
  }

  public boolean accepted() {
    return ACCEPTED.equals(outcome);
  }
}
