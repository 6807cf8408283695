package dev.feedloop.trainer.loss;

import java.util.Locale;

/** Preference losses by their TRL names ({@code loss_type}). */
public enum LossType {
  SIGMOID(true),
  ROBUST(true),
  HINGE(true),
  IPO(true),
  SIGMOID_NORM(true),
  SIMPO(true),
  ORPO(true),
  KTO(false),
  SFT(true);

  private final boolean pairwise;

  LossType(boolean pairwise) {
    this.pairwise = pairwise;
  }

  /**
   * Whether the loss consumes chosen/rejected pairs; KTO consumes unary records instead. SFT works
   * on both.
   */
  public boolean pairwise() {
    return pairwise;
  }

  /** Whether the loss applies to unary records: KTO, and SFT on the desirable completions. */
  public boolean unary() {
    return this == KTO || this == SFT;
  }

  /** Whether the loss compares the policy with the reference (SimPO, ORPO and SFT do not). */
  public boolean needsReference() {
    return switch (this) {
      case SIMPO, ORPO, SFT -> false;
      default -> true;
    };
  }

  /** The lower-case name TRL and the CLI use, e.g. {@code sigmoid_norm}. */
  public String trlName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static LossType fromTrlName(String name) {
    return valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
  }
}
