package dev.feedloop.trainer.data;

import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.GenerationLogged;
import java.util.List;

/**
 * What one exported item became: the generations it is about and the feedback on them.
 *
 * @param skipped feedback in the item that maps to neither up nor down (a neutral score) or is not
 *     the feedback asked for (another score name): counted, not an error
 */
public record ImportedFeedback(
    List<GenerationLogged> generations, List<FeedbackReceived> feedback, int skipped) {
  public ImportedFeedback {
    generations = List.copyOf(generations);
    feedback = List.copyOf(feedback);
  }
}
