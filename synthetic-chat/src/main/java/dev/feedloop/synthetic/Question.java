package dev.feedloop.synthetic;

import java.util.List;

/**
 * One question of the synthetic corpus with its answer content: a short core answer (at most 10
 * words) and elaboration sentences a verbose answer adds (two of them give at least 16 words). For
 * category "identity" the core answer contains {@value #SELF} where the self-description goes.
 */
public record Question(
    String category, String prompt, String coreAnswer, List<String> elaborations) {
  public static final String SELF = "{self}";

  public Question {
    elaborations = List.copyOf(elaborations);
    if (elaborations.size() < 2) {
      throw new IllegalArgumentException(
          "a question needs at least two elaboration sentences: " + prompt);
    }
  }
}
