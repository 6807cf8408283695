package dev.feedloop.users;

/**
 * One answer serving gave: a choice of a chat completion.
 *
 * @param generationId what feedback names
 * @param text the answer
 * @param adapterVersion the adapter that answered, null for the base model
 */
public record Candidate(String generationId, String text, Long adapterVersion) {}
