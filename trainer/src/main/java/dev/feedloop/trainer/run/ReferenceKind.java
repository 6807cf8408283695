package dev.feedloop.trainer.run;

/** Which policy the implicit reward is measured against. */
public enum ReferenceKind {
  /** The base model with adapters disabled (no second copy of the weights). */
  BASE,
  /** A given adapter, typically the last published one: iterative DPO rounds. */
  PREVIOUS
}
