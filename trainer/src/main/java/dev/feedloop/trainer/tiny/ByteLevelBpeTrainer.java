package dev.feedloop.trainer.tiny;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Trains a byte-level BPE vocabulary (GPT-2 / Qwen2 style) on a text corpus: text is split with
 * GPT-2's pre-tokenization regex, each piece's UTF-8 bytes are mapped to printable characters
 * (GPT-2's bytes_to_unicode), and the most frequent adjacent pair is merged repeatedly. Ties break
 * on the lexicographically smaller pair so the result is deterministic. Merging stops at the target
 * vocabulary size or when no pair occurs twice.
 */
public final class ByteLevelBpeTrainer {
  /**
   * The pre-tokenization of Hugging Face's ByteLevel pre-tokenizer with use_regex=true (GPT-2's
   * pattern).
   */
  static final Pattern GPT2_SPLIT =
      Pattern.compile(
          "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

  /** The learned vocabulary (id = index) and merges (rank = index). */
  public record Vocabulary(List<String> tokens, List<String[]> merges) {}

  private ByteLevelBpeTrainer() {}

  /** GPT-2's reversible mapping of the 256 byte values to printable Unicode characters. */
  static char[] byteToChar() {
    char[] mapping = new char[256];
    boolean[] printable = new boolean[256];
    for (int b = '!'; b <= '~'; b++) {
      printable[b] = true;
    }
    for (int b = 0xA1; b <= 0xAC; b++) {
      printable[b] = true;
    }
    for (int b = 0xAE; b <= 0xFF; b++) {
      printable[b] = true;
    }
    int next = 0;
    for (int b = 0; b < 256; b++) {
      mapping[b] = printable[b] ? (char) b : (char) (256 + next++);
    }
    return mapping;
  }

  static String toByteLevel(String piece) {
    char[] mapping = byteToChar();
    StringBuilder text = new StringBuilder();
    for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
      text.append(mapping[b & 0xff]);
    }
    return text.toString();
  }

  /**
   * @param texts training text with special tokens already removed
   * @param vocabSize target size including the 256 byte tokens (special tokens are added after)
   */
  public static Vocabulary train(Iterable<String> texts, int vocabSize) {
    if (vocabSize < 256) {
      throw new IllegalArgumentException("a byte-level vocabulary needs at least 256 tokens");
    }
    Map<String, Long> pieceCounts = new HashMap<>();
    for (String text : texts) {
      Matcher matcher = GPT2_SPLIT.matcher(text);
      while (matcher.find()) {
        pieceCounts.merge(toByteLevel(matcher.group()), 1L, Long::sum);
      }
    }
    // words as symbol sequences, in a deterministic order
    List<Map.Entry<String, Long>> pieces = new ArrayList<>(pieceCounts.entrySet());
    pieces.sort(Map.Entry.comparingByKey());
    List<List<String>> words = new ArrayList<>();
    long[] frequencies = new long[pieces.size()];
    for (int i = 0; i < pieces.size(); i++) {
      String piece = pieces.get(i).getKey();
      List<String> symbols = new ArrayList<>(piece.length());
      piece.codePoints().forEach(cp -> symbols.add(new String(Character.toChars(cp))));
      words.add(symbols);
      frequencies[i] = pieces.get(i).getValue();
    }

    List<String> tokens = new ArrayList<>();
    for (char c : byteToChar()) {
      tokens.add(String.valueOf(c));
    }
    List<String[]> merges = new ArrayList<>();
    while (tokens.size() < vocabSize) {
      Map<String, Long> pairCounts = new HashMap<>();
      for (int w = 0; w < words.size(); w++) {
        List<String> symbols = words.get(w);
        for (int i = 0; i + 1 < symbols.size(); i++) {
          pairCounts.merge(symbols.get(i) + ' ' + symbols.get(i + 1), frequencies[w], Long::sum);
        }
      }
      String best = null;
      long bestCount = 1; // a pair seen once is not worth a token
      for (Map.Entry<String, Long> entry : pairCounts.entrySet()) {
        long count = entry.getValue();
        if (count > bestCount
            || count == bestCount && best != null && entry.getKey().compareTo(best) < 0) {
          best = entry.getKey();
          bestCount = count;
        }
      }
      if (best == null) {
        break;
      }
      String[] pair = best.split(" ", 2);
      String merged = pair[0] + pair[1];
      merges.add(pair);
      tokens.add(merged);
      for (List<String> symbols : words) {
        for (int i = 0; i + 1 < symbols.size(); i++) {
          if (symbols.get(i).equals(pair[0]) && symbols.get(i + 1).equals(pair[1])) {
            symbols.set(i, merged);
            symbols.remove(i + 1);
          }
        }
      }
    }
    return new Vocabulary(List.copyOf(tokens), List.copyOf(merges));
  }

  /** token -> id, in id order. */
  static Map<String, Integer> ids(List<String> tokens) {
    Map<String, Integer> ids = new LinkedHashMap<>();
    for (int i = 0; i < tokens.size(); i++) {
      ids.put(tokens.get(i), i);
    }
    return ids;
  }
}
