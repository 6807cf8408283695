package dev.feedloop.trainer.online;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GuardrailsTest {
  private final Guardrails guardrails = new Guardrails(0.05, 0.2, 10);

  @Test
  void acceptsACandidateWithinBothBounds() {
    Guardrails.Decision decision =
        guardrails.decide(new Guardrails.Measurements(true, 40, 0.72, 0.75, 500, 0.1));
    assertThat(decision.accepted()).isTrue();
    assertThat(decision.reason()).isNull();
    assertThat(decision.detail()).contains("0.720").contains("0.750");
  }

  @Test
  void refusesAnAccuracyDropBeyondTheThreshold() {
    Guardrails.Decision decision =
        guardrails.decide(new Guardrails.Measurements(true, 40, 0.69, 0.75, 500, 0.1));
    assertThat(decision.accepted()).isFalse();
    assertThat(decision.reason()).isEqualTo(Guardrails.ACCURACY_DROP);
    assertThat(decision.detail()).contains("0.690").contains("0.750").contains("40 pairs");
  }

  @Test
  void refusesAKlBeyondTheBound() {
    Guardrails.Decision decision =
        guardrails.decide(new Guardrails.Measurements(true, 40, 0.8, 0.75, 500, 0.25));
    assertThat(decision.accepted()).isFalse();
    assertThat(decision.reason()).isEqualTo(Guardrails.KL_BOUND);
  }

  @Test
  void refusesNonFiniteCandidates() {
    assertThat(
            guardrails.decide(new Guardrails.Measurements(false, 40, 0.8, 0.75, 500, 0.0)).reason())
        .isEqualTo(Guardrails.NOT_FINITE);
  }

  @Test
  void skipsTheAccuracyCheckOnTooFewHeldOutPairs() {
    Guardrails.Decision decision =
        guardrails.decide(new Guardrails.Measurements(true, 9, 0.0, 1.0, 500, 0.1));
    assertThat(decision.accepted()).isTrue();
    assertThat(decision.detail()).contains("not checked");
  }
}
