package dev.feedloop.users;

import dev.feedloop.synthetic.StyleShares;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One evaluation of the live model on the fixed evaluation prompts.
 *
 * @param preference the hidden preference judged, in {@link PreferenceSpec} form
 * @param prompts how many prompts were answered
 * @param adapterVersion the adapter that answered most of them (null: the base model)
 * @param answersByVersion how many answers each version gave (more than one entry when an adapter
 *     went live during the evaluation; the base model is version 0 here)
 * @param sampled shares at the chat sampling settings (temperature 0.7, top_p 1.0): the headline;
 *     {@code sampled.preferred()} is the satisfaction (well formed AND preferred)
 * @param sampledStyle share of sampled answers whose style satisfies the preference, well formed or
 *     not
 * @param greedy the same shares at temperature 0, reported beside them, or null when not measured
 * @param failures prompts that got no answer (not counted in the shares)
 * @param answers the sampled answers, so a report can show them and anyone can re-judge them
 */
public record EvaluationResult(
    String preference,
    int prompts,
    Long adapterVersion,
    Map<Long, Integer> answersByVersion,
    StyleShares sampled,
    double sampledStyle,
    StyleShares greedy,
    int failures,
    List<Answer> answers) {

  /**
   * One sampled evaluation answer.
   *
   * @param prompt the evaluation question
   * @param text the answer
   * @param adapterVersion the adapter that answered, null for the base model
   */
  public record Answer(String prompt, String text, Long adapterVersion) {}

  /** Satisfaction: the share of sampled answers that are well formed and preferred. */
  public double satisfaction() {
    return sampled.preferred();
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "%s on %d prompts, adapter %s: satisfaction %.1f%%, well-formed %.1f%%, style %.1f%%%s",
        preference,
        prompts,
        adapterVersion == null ? "none (base model)" : adapterVersion,
        100 * sampled.preferred(),
        100 * sampled.wellFormed(),
        100 * sampledStyle,
        greedy == null
            ? ""
            : String.format(
                Locale.ROOT,
                "; greedy: satisfaction %.1f%%, well-formed %.1f%%",
                100 * greedy.preferred(),
                100 * greedy.wellFormed()));
  }
}
