package dev.feedloop.synthetic;

/**
 * The style of one answer: self-name, politeness, length. Sampled independently in the corpus;
 * {@link StyleJudge#judge} recovers it from an answer's text.
 *
 * @param name how the assistant names itself
 * @param polite the answer has a polite opener or closer
 * @param brief the answer is the core answer only, without elaboration sentences
 */
public record StyleAttributes(SelfName name, boolean polite, boolean brief) {}
