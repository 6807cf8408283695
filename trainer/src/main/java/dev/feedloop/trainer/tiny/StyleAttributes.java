package dev.feedloop.trainer.tiny;

/** The style of one answer: self-name, politeness, length. Sampled independently in the corpus. */
public record StyleAttributes(SelfName name, boolean polite, boolean brief) {}
