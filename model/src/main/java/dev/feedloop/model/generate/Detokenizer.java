package dev.feedloop.model.generate;

import java.util.Arrays;
import java.util.function.Function;

/**
 * Turns generated ids into text one token at a time, for streaming. Each step decodes only a short
 * window (the tokens since the last emitted text plus the ones before them, which decoders need for
 * spacing) and emits what the new token added. Text that ends in U+FFFD (an incomplete UTF-8
 * character: a byte-fallback or byte-level token that is only part of one) is held until the
 * character is complete, so a delta never splits a character. The deltas concatenate to the decode
 * of all ids.
 */
public final class Detokenizer {

  private static final String INCOMPLETE = "\uFFFD";

  private final Function<long[], String> decoder;
  private long[] ids = new long[32];
  private int count;

  /** The window starts here: tokens before {@link #emitted} that give the decoder context. */
  private int context;

  /** Tokens whose text has been emitted. */
  private int emitted;

  /**
   * @param decoder ids to text, special tokens skipped
   */
  public Detokenizer(Function<long[], String> decoder) {
    this.decoder = decoder;
  }

  /** Adds a token; returns the text it completes (often empty while a character is incomplete). */
  public String next(long id) {
    if (count == ids.length) {
      ids = Arrays.copyOf(ids, 2 * count);
    }
    ids[count++] = id;
    String before = decode(context, emitted);
    String now = decode(context, count);
    if (now.length() > before.length() && !now.endsWith(INCOMPLETE)) {
      context = emitted;
      emitted = count;
      return now.substring(before.length());
    }
    return "";
  }

  /** The text still held back (an incomplete character at the end), as the full decode has it. */
  public String flush() {
    String before = decode(context, emitted);
    String now = decode(context, count);
    context = count;
    emitted = count;
    return now.length() > before.length() ? now.substring(before.length()) : "";
  }

  private String decode(int from, int to) {
    return from == to ? "" : decoder.apply(Arrays.copyOfRange(ids, from, to));
  }
}
