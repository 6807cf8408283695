package dev.feedloop.users;

import dev.feedloop.schemas.FeedbackKind;
import java.util.Locale;

/**
 * One feedback a user sends to {@code POST /v1/feedback}.
 *
 * @param kind what the feedback says
 * @param generationId the answer it is about (for a choice: the winner)
 * @param otherGenerationId a choice's loser, else null
 * @param editedText an edit's rewritten answer, else null
 */
public record FeedbackAction(
    FeedbackKind kind, String generationId, String otherGenerationId, String editedText) {

  static FeedbackAction thumbs(boolean up, String generationId) {
    return new FeedbackAction(
        up ? FeedbackKind.THUMBS_UP : FeedbackKind.THUMBS_DOWN, generationId, null, null);
  }

  /** The kind as the API spells it: thumbs_up, thumbs_down, retract, choice, edit. */
  public String apiKind() {
    return kind.name().toLowerCase(Locale.ROOT);
  }
}
