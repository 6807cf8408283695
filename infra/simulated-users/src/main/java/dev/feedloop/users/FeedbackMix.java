package dev.feedloop.users;

import java.util.Locale;
import java.util.Map;

/**
 * What kind of feedback users give. {@code thumbs}, {@code choice} and {@code edit} are the
 * relative weights of a turn's kind (a choice turn asks for two candidates, {@code n=2}); {@code
 * retract} is the chance that a user takes back feedback just sent.
 *
 * @param thumbs weight of thumbs up/down on a single answer
 * @param choice weight of a choice between two candidates
 * @param edit weight of an edit that rewrites an unwanted answer into a wanted one
 * @param retract chance that a sent feedback is retracted right after
 */
public record FeedbackMix(double thumbs, double choice, double edit, double retract) {
  /** The default mix: half thumbs, then choices, some edits, few retractions. */
  public static final FeedbackMix DEFAULT = new FeedbackMix(0.5, 0.3, 0.2, 0.05);

  public FeedbackMix {
    if (!(thumbs >= 0 && choice >= 0 && edit >= 0 && thumbs + choice + edit > 0)) {
      throw new IllegalArgumentException(
          "thumbs, choice and edit weights must be >= 0 with a positive sum");
    }
    if (!(retract >= 0 && retract <= 1)) {
      throw new IllegalArgumentException("retract must be in [0, 1], got " + retract);
    }
  }

  /** {@code thumbs=0.5,choice=0.3,edit=0.2,retract=0.05}; keys left out keep the default. */
  public static FeedbackMix parse(String text) {
    Map<String, Double> values =
        Shares.parse(
            text,
            Map.of(
                "thumbs", DEFAULT.thumbs,
                "choice", DEFAULT.choice,
                "edit", DEFAULT.edit,
                "retract", DEFAULT.retract));
    return new FeedbackMix(
        values.get("thumbs"), values.get("choice"), values.get("edit"), values.get("retract"));
  }

  /** The kind of a turn for a uniform draw in [0, 1). */
  public TurnKind kindFor(double draw) {
    double total = thumbs + choice + edit;
    if (draw * total < thumbs) {
      return TurnKind.THUMBS;
    }
    return draw * total < thumbs + choice ? TurnKind.CHOICE : TurnKind.EDIT;
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT, "thumbs=%s,choice=%s,edit=%s,retract=%s", thumbs, choice, edit, retract);
  }

  /** What a turn asks for. */
  public enum TurnKind {
    THUMBS,
    CHOICE,
    EDIT
  }
}
