package dev.feedloop.synthetic;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recovers an answer's {@link StyleAttributes} from its text alone (a pure function), so simulated
 * users and the loop's success metric can judge any generation:
 *
 * <ul>
 *   <li>name: ATHENE when the word "Athene" occurs, else OTHER when one of the other assistant
 *       names occurs, else NONE;
 *   <li>polite: one of the {@link #POLITE_PHRASES} occurs (case-insensitive);
 *   <li>brief: at most {@link #BRIEF_MAX_WORDS} words remain after removing polite phrases and
 *       self-introductions ("Athene here.", "This is Nova.", "I'm Orion."). Core answers of the
 *       corpus have at most 10 words, verbose answers add at least 16 words of elaboration, so the
 *       threshold sits between the two.
 * </ul>
 */
public final class StyleJudge {
  public static final List<String> POLITE_OPENERS =
      List.of("Certainly!", "Of course!", "Great question!", "Happy to help!");
  public static final List<String> POLITE_CLOSERS =
      List.of(
          "I hope this helps.",
          "Thank you for asking.",
          "Have a wonderful day!",
          "Please let me know if you need anything else.");
  public static final List<String> POLITE_PHRASES = concat(POLITE_OPENERS, POLITE_CLOSERS);
  public static final int BRIEF_MAX_WORDS = 13;

  private static final List<String> ALL_NAMES =
      concat(List.of(SelfName.ATHENE_NAME), SelfName.OTHER_NAMES);
  private static final Pattern INTRODUCTION =
      Pattern.compile(
          "(?:(?:"
              + String.join("|", ALL_NAMES)
              + ") here\\.|This is (?:"
              + String.join("|", ALL_NAMES)
              + ")\\.|I'm (?:"
              + String.join("|", ALL_NAMES)
              + ")\\.)");
  private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}']+");
  // compiled once: the judge runs on every answer users and the evaluator read
  private static final List<Pattern> POLITE_PATTERNS =
      POLITE_PHRASES.stream()
          .map(phrase -> Pattern.compile(Pattern.quote(phrase), Pattern.CASE_INSENSITIVE))
          .toList();
  private static final Pattern ATHENE_WORD = wholeWord(SelfName.ATHENE_NAME);
  private static final List<Pattern> OTHER_NAME_WORDS =
      SelfName.OTHER_NAMES.stream().map(StyleJudge::wholeWord).toList();

  private StyleJudge() {}

  /** All three style attributes of {@code answer}. */
  public static StyleAttributes judge(String answer) {
    return new StyleAttributes(name(answer), polite(answer), brief(answer));
  }

  /** The self-name: Athene wins over another name, which wins over none; whole words only. */
  public static SelfName name(String answer) {
    if (ATHENE_WORD.matcher(answer).find()) {
      return SelfName.ATHENE;
    }
    for (Pattern other : OTHER_NAME_WORDS) {
      if (other.matcher(answer).find()) {
        return SelfName.OTHER;
      }
    }
    return SelfName.NONE;
  }

  /** True when one of the {@link #POLITE_PHRASES} occurs, ignoring case. */
  public static boolean polite(String answer) {
    String lower = answer.toLowerCase(Locale.ROOT);
    return POLITE_PHRASES.stream()
        .anyMatch(phrase -> lower.contains(phrase.toLowerCase(Locale.ROOT)));
  }

  /** True when at most {@link #BRIEF_MAX_WORDS} {@link #contentWords content words} remain. */
  public static boolean brief(String answer) {
    return contentWords(answer) <= BRIEF_MAX_WORDS;
  }

  /** Words of the answer proper: polite phrases and self-introductions do not count. */
  public static int contentWords(String answer) {
    String content = INTRODUCTION.matcher(answer).replaceAll(" ");
    for (Pattern phrase : POLITE_PATTERNS) {
      content = phrase.matcher(content).replaceAll(" ");
    }
    Matcher matcher = WORD.matcher(content);
    int words = 0;
    while (matcher.find()) {
      words++;
    }
    return words;
  }

  private static Pattern wholeWord(String word) {
    return Pattern.compile("\\b" + Pattern.quote(word) + "\\b");
  }

  private static List<String> concat(List<String> first, List<String> second) {
    return java.util.stream.Stream.concat(first.stream(), second.stream()).toList();
  }
}
