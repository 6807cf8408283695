package dev.feedloop.trainer.online;

import java.util.Locale;

/**
 * Whether a candidate adapter may replace the live one, from what was measured on the held-out
 * reservoir: its preference accuracy must not be more than {@code maxAccuracyDrop} below the live
 * adapter's (checked once there are {@code minHeldOutPairs} held-out pairs), its mean per-token KL
 * to the reference on held-out chosen completions must stay at or below {@code maxKl}, and its
 * weights and training loss must be finite.
 */
public record Guardrails(double maxAccuracyDrop, double maxKl, int minHeldOutPairs) {

  /** Stable reason codes, as TrainerMetrics.reason carries them. */
  public static final String NOT_FINITE = "not-finite";

  public static final String ACCURACY_DROP = "accuracy-drop";
  public static final String KL_BOUND = "kl-bound";

  public static Guardrails of(OnlineSettings settings) {
    return new Guardrails(settings.maxAccuracyDrop(), settings.maxKl(), settings.minHeldOutPairs());
  }

  /** What the held-out evaluation measured. */
  public record Measurements(
      boolean finite,
      int heldOutPairs,
      double candidateAccuracy,
      double liveAccuracy,
      long klTokens,
      double klPerToken) {}

  /**
   * @param accepted whether the candidate is published
   * @param reason the stable code of the refusal, null when accepted
   * @param detail the figures that decided, in words
   */
  public record Decision(boolean accepted, String reason, String detail) {}

  public Decision decide(Measurements m) {
    if (!m.finite()) {
      return new Decision(false, NOT_FINITE, "the candidate's weights or loss are not finite");
    }
    boolean accuracyChecked = m.heldOutPairs() >= minHeldOutPairs && m.heldOutPairs() > 0;
    if (accuracyChecked && m.candidateAccuracy() < m.liveAccuracy() - maxAccuracyDrop) {
      return new Decision(
          false,
          ACCURACY_DROP,
          format(
              "held-out accuracy %.3f is more than %.3f below the live adapter's %.3f (%d pairs)",
              m.candidateAccuracy(), maxAccuracyDrop, m.liveAccuracy(), m.heldOutPairs()));
    }
    if (m.klTokens() > 0 && m.klPerToken() > maxKl) {
      return new Decision(
          false,
          KL_BOUND,
          format(
              "KL to the reference %.4f nats/token exceeds the bound %.4f (%d held-out tokens)",
              m.klPerToken(), maxKl, m.klTokens()));
    }
    String accuracy =
        accuracyChecked
            ? format(
                "held-out accuracy %.3f (live %.3f, %d pairs)",
                m.candidateAccuracy(), m.liveAccuracy(), m.heldOutPairs())
            : format(
                "accuracy not checked: %d held-out pairs < %d", m.heldOutPairs(), minHeldOutPairs);
    String kl =
        m.klTokens() > 0
            ? format("KL %.4f nats/token", m.klPerToken())
            : "KL not checked: no held-out completions";
    return new Decision(true, null, accuracy + "; " + kl);
  }

  private static String format(String pattern, Object... values) {
    return String.format(Locale.ROOT, pattern, values);
  }
}
