package dev.feedloop.synthetic;

/**
 * What a simulated user secretly wants; a null component means "does not care". The loop's success
 * metric is the share of well-formed answers that satisfy it (see {@link StyleShares}), judged by
 * {@link StyleJudge}.
 *
 * @param name the wanted self-name, or null
 * @param polite whether answers should be polite, or null
 * @param brief whether answers should be brief, or null
 */
public record HiddenPreference(SelfName name, Boolean polite, Boolean brief) {
  /** The demo's default: call yourself Athene, be polite, be brief. */
  public static HiddenPreference demo() {
    return new HiddenPreference(SelfName.ATHENE, true, true);
  }

  /** True when every component the preference cares about has the wanted value. */
  public boolean satisfiedBy(StyleAttributes style) {
    return (name == null || name == style.name())
        && (polite == null || polite == style.polite())
        && (brief == null || brief == style.brief());
  }

  /**
   * True when the answer's judged style satisfies the preference. Style only: whether the answer is
   * well formed is {@link AnswerGrammar}'s question, which a user (and the loop's metric) asks too.
   */
  public boolean satisfiedBy(String answer) {
    return satisfiedBy(StyleJudge.judge(answer));
  }
}
