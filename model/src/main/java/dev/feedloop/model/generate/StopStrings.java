package dev.feedloop.model.generate;

import java.util.List;

/**
 * Finds stop strings in streamed text, looking at the new text only. It holds back the longest tail
 * of the text that could still be the start of a stop string (at most the longest stop string's
 * length minus one characters), so a stop string split across tokens is caught and never emitted,
 * not even in part.
 */
public final class StopStrings {

  private final List<String> stops;
  private final StringBuilder held = new StringBuilder();
  private boolean stopped;

  public StopStrings(List<String> stops) {
    this.stops = List.copyOf(stops);
  }

  /**
   * Takes the next piece of text and returns what may be emitted now: everything before a stop
   * string (then {@link #stopped()} is true), or everything but a tail that may begin one.
   */
  public String offer(String text) {
    if (stopped) {
      return "";
    }
    if (stops.isEmpty()) {
      return text;
    }
    held.append(text);
    int first = -1;
    for (String stop : stops) {
      int at = held.indexOf(stop);
      if (at >= 0 && (first < 0 || at < first)) {
        first = at;
      }
    }
    if (first >= 0) {
      stopped = true;
      String before = held.substring(0, first);
      held.setLength(0);
      return before;
    }
    int keep = possibleStart();
    String free = held.substring(0, held.length() - keep);
    held.delete(0, held.length() - keep);
    return free;
  }

  /** The length of the longest tail of the held text that is a proper prefix of a stop string. */
  private int possibleStart() {
    String text = held.toString();
    int longest = 0;
    for (String stop : stops) {
      for (int n = Math.min(stop.length() - 1, text.length()); n > longest; n--) {
        if (text.regionMatches(text.length() - n, stop, 0, n)) {
          longest = n;
          break;
        }
      }
    }
    return longest;
  }

  /** The held tail, released when generation ends without a stop string. */
  public String finish() {
    String rest = held.toString();
    held.setLength(0);
    return rest;
  }

  /** Whether a stop string was found: generation ends, the text before it was emitted. */
  public boolean stopped() {
    return stopped;
  }
}
