package dev.feedloop.schemas.rules;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How alike the two sides of a pair are: the one similarity rule of the loop, applied by
 * feedback-streams to live pairs and by the trainer to imported and replayed ones.
 *
 * <p>Texts are first normalized (lower-cased, whitespace runs collapsed, trimmed); equal normalized
 * texts are identical. Otherwise the similarity is the Jaccard index of the two sets of character
 * trigrams of the normalized texts: |A∩B| / |A∪B|, 1.0 for the same text, 0.0 for texts with no
 * three-character sequence in common. It is cheap (linear in the length), symmetric, and
 * insensitive to where in a long answer a small change sits.
 */
public final class TextSimilarity {

  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

  private TextSimilarity() {}

  public static String normalize(String text) {
    return WHITESPACE.matcher(text.strip().toLowerCase(Locale.ROOT)).replaceAll(" ");
  }

  public static boolean identical(String a, String b) {
    return normalize(a).equals(normalize(b));
  }

  public static double similarity(String a, String b) {
    Set<Long> left = trigrams(normalize(a));
    Set<Long> right = trigrams(normalize(b));
    if (left.isEmpty() && right.isEmpty()) {
      return 1.0;
    }
    int common = 0;
    Set<Long> smaller = left.size() <= right.size() ? left : right;
    Set<Long> larger = smaller == left ? right : left;
    for (Long trigram : smaller) {
      if (larger.contains(trigram)) {
        common++;
      }
    }
    return (double) common / (left.size() + right.size() - common);
  }

  /** Trigrams packed into a long (three UTF-16 units); texts under three chars are one shingle. */
  private static Set<Long> trigrams(String text) {
    Set<Long> shingles = new HashSet<>();
    if (text.isEmpty()) {
      return shingles;
    }
    if (text.length() < 3) {
      long packed = 0;
      for (int i = 0; i < text.length(); i++) {
        packed = (packed << 16) | text.charAt(i);
      }
      shingles.add(packed | (1L << 60)); // marks a short shingle apart from any real trigram
      return shingles;
    }
    for (int i = 0; i + 3 <= text.length(); i++) {
      shingles.add(
          ((long) text.charAt(i) << 32) | ((long) text.charAt(i + 1) << 16) | text.charAt(i + 2));
    }
    return shingles;
  }
}
