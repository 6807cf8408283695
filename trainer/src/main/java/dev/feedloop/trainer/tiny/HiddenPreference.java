package dev.feedloop.trainer.tiny;

/**
 * What a simulated user secretly wants; a null component means "does not care". The loop's success
 * metric is the share of answers that satisfy it, judged by {@link StyleJudge}.
 */
public record HiddenPreference(SelfName name, Boolean polite, Boolean brief) {
  /** The demo's default: call yourself Athene, be polite, be brief. */
  public static HiddenPreference demo() {
    return new HiddenPreference(SelfName.ATHENE, true, true);
  }

  public boolean satisfiedBy(StyleAttributes style) {
    return (name == null || name == style.name())
        && (polite == null || polite == style.polite())
        && (brief == null || brief == style.brief());
  }

  public boolean satisfiedBy(String answer) {
    return satisfiedBy(StyleJudge.judge(answer));
  }
}
