package dev.feedloop.model.generate;

/** A token id and its log-prob under the model's raw distribution (log softmax of the logits). */
public record TokenLogProb(long id, float logProb) {}
