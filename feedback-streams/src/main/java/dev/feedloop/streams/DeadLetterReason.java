package dev.feedloop.streams;

/**
 * Why a record went to the dead-letter topic. The codes are stable: dashboards, alerts and replays
 * select on them.
 */
public enum DeadLetterReason {
  /** The bytes are not an event of the topic's type (corrupt, foreign or unknown schema). */
  UNDECODABLE("undecodable"),
  /** A generation whose record key is not its generation_id (it would miss its feedback). */
  INVALID_GENERATION("invalid-generation"),
  /**
   * Feedback that cannot mean anything: CHOICE without (or against itself as) the other candidate,
   * EDIT without text, a blank user, a key that is not its generation_id, candidates of different
   * prompts.
   */
  INVALID_FEEDBACK("invalid-feedback"),
  /** No generation with that id arrived within the join window plus grace. */
  UNKNOWN_GENERATION("unknown-generation"),
  /** A vote on a generation whose votes by this user already settled (emitted once, final). */
  VOTE_AFTER_CLOSE("vote-after-close"),
  /** Empty prompt, completion, chosen or rejected text. */
  EMPTY_TEXT("empty-text"),
  /** Prompt or completion longer than the configured maximum. */
  TOO_LONG("too-long"),
  /** Chosen and rejected are the same text (after case and whitespace normalization). */
  IDENTICAL_PAIR("identical-pair"),
  /** Chosen and rejected are nearly the same text (similarity at or above the threshold). */
  NEAR_IDENTICAL_PAIR("near-identical-pair"),
  /** The user already contributed the per-window maximum of training records (poisoning guard). */
  USER_CAP_EXCEEDED("user-cap-exceeded");

  private final String code;

  DeadLetterReason(String code) {
    this.code = code;
  }

  public String code() {
    return code;
  }
}
