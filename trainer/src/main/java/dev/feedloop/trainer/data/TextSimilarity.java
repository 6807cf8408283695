package dev.feedloop.trainer.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Near-duplicate metric for answer pairs: normalised word-level Levenshtein similarity, {@code 1 -
 * editDistance(words(a), words(b)) / max(|words(a)|, |words(b)|)}, where words are lower-cased runs
 * of letters/digits and single punctuation marks. 1 means identical word sequences, 0 nothing in
 * common. Word level keeps the cost at O(words^2) for long answers, and ignores whitespace and case
 * differences that a user would not notice.
 */
public final class TextSimilarity {
  private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+|[^\\p{L}\\p{N}\\s]");

  private TextSimilarity() {}

  public static List<String> words(String text) {
    List<String> words = new ArrayList<>();
    Matcher matcher = WORD.matcher(text.toLowerCase(Locale.ROOT));
    while (matcher.find()) {
      words.add(matcher.group());
    }
    return words;
  }

  public static double similarity(String first, String second) {
    List<String> a = words(first);
    List<String> b = words(second);
    int longest = Math.max(a.size(), b.size());
    if (longest == 0) {
      return 1.0;
    }
    return 1.0 - (double) editDistance(a, b) / longest;
  }

  static int editDistance(List<String> a, List<String> b) {
    int[] previous = new int[b.size() + 1];
    int[] current = new int[b.size() + 1];
    for (int j = 0; j <= b.size(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.size(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.size(); j++) {
        int substitution = previous[j - 1] + (a.get(i - 1).equals(b.get(j - 1)) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.size()];
  }
}
