package dev.feedloop.schemas.rules;

import java.util.Arrays;
import java.util.Locale;

/**
 * Why the loop rejected a record: the one set of reason codes of every component. feedback-streams
 * writes them into dead letters, the trainer's import counts rejected lines by them, and
 * dashboards, alerts and replays select on them, so the codes are stable.
 */
public enum RejectReason {
  /** The bytes are not an event of the topic's type (corrupt, foreign or unknown schema). */
  UNDECODABLE("undecodable"),
  /** A line of a data file that is not a record of its format (bad JSON, missing fields). */
  MALFORMED("malformed"),
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
  /**
   * Chosen and rejected are nearly the same text ({@link TextSimilarity} at or above the limit).
   */
  NEAR_IDENTICAL_PAIR("near-identical-pair"),
  /** The user already contributed the per-window maximum of training records (poisoning guard). */
  USER_CAP_EXCEEDED("user-cap-exceeded");

  private final String code;

  RejectReason(String code) {
    this.code = code;
  }

  /** The stable machine-readable code, e.g. {@code near-identical-pair}. */
  public String code() {
    return code;
  }

  public static RejectReason fromCode(String code) {
    String wanted = code.strip().toLowerCase(Locale.ROOT);
    return Arrays.stream(values())
        .filter(reason -> reason.code.equals(wanted))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown reject reason code: " + code));
  }
}
