package dev.feedloop.users.run;

import dev.feedloop.users.EvaluationResult;

/**
 * One point of the run's learning curve: an evaluation of the live model on the held-out prompts.
 * Shares are fractions in [0, 1].
 *
 * @param elapsedSeconds since the run started, when the evaluation finished
 * @param adapterVersion the adapter that answered, null for the base model
 * @param satisfaction share of sampled answers well formed AND preferred (the headline)
 * @param wellFormed share of sampled answers well formed
 * @param style share of sampled answers in the preferred style, well formed or not
 * @param greedySatisfaction the satisfaction at temperature 0, null when not measured
 * @param greedyWellFormed the well-formed share at temperature 0, null when not measured
 * @param prompts how many prompts were answered
 */
public record CurvePoint(
    double elapsedSeconds,
    Long adapterVersion,
    double satisfaction,
    double wellFormed,
    double style,
    Double greedySatisfaction,
    Double greedyWellFormed,
    int prompts) {

  public CurvePoint {
    if (!(elapsedSeconds >= 0) || prompts < 0) {
      throw new IllegalArgumentException(
          "elapsed seconds and prompts are not negative, got " + elapsedSeconds + ", " + prompts);
    }
    share("satisfaction", satisfaction);
    share("well-formed", wellFormed);
    share("style", style);
    if (greedySatisfaction != null) {
      share("greedy satisfaction", greedySatisfaction);
    }
    if (greedyWellFormed != null) {
      share("greedy well-formed", greedyWellFormed);
    }
  }

  /** The point an evaluation gives, {@code elapsedSeconds} into the run. */
  public static CurvePoint of(double elapsedSeconds, EvaluationResult result) {
    return new CurvePoint(
        elapsedSeconds,
        result.adapterVersion(),
        result.satisfaction(),
        result.sampled().wellFormed(),
        result.sampledStyle(),
        result.greedy() == null ? null : result.greedy().preferred(),
        result.greedy() == null ? null : result.greedy().wellFormed(),
        result.prompts());
  }

  /** Minutes since the run started: the curve's x axis. */
  public double elapsedMinutes() {
    return elapsedSeconds / 60;
  }

  private static void share(String name, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw new IllegalArgumentException(name + " is a share in [0, 1], got " + value);
    }
  }
}
