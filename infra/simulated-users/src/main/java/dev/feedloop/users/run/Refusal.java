package dev.feedloop.users.run;

import java.util.Objects;

/**
 * An adapter that did not go live: a window the trainer's guardrails refused, or a version a
 * serving replica refused to load.
 *
 * @param elapsedSeconds since the run started, when the refusal was seen
 * @param window the trainer's window, null when serving refused
 * @param version the adapter version, null when the trainer refused before publishing one
 * @param reason a stable code (accuracy-drop, kl-bound, not-finite, checksum, ...)
 * @param detail the reason in words, with the figures that decided it ("" when none)
 */
public record Refusal(
    double elapsedSeconds, Long window, Long version, String reason, String detail) {

  public Refusal {
    Objects.requireNonNull(reason, "reason");
    detail = detail == null ? "" : detail;
  }

  /** A window the trainer refused. */
  public static Refusal ofWindow(double elapsedSeconds, long window, String reason, String detail) {
    return new Refusal(elapsedSeconds, window, null, reason, detail);
  }

  /** A published version serving refused to load. */
  public static Refusal ofVersion(
      double elapsedSeconds, long version, String reason, String detail) {
    return new Refusal(elapsedSeconds, null, version, reason, detail);
  }
}
