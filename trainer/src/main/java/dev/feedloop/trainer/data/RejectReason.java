package dev.feedloop.trainer.data;

import java.util.Locale;

/** Why a record was not imported; the CLI prints counts by these names. */
public enum RejectReason {
  MALFORMED,
  EMPTY_PROMPT,
  EMPTY_COMPLETION,
  IDENTICAL,
  NEAR_IDENTICAL,
  PROMPT_TOO_LONG;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
