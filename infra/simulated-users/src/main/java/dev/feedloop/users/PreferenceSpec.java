package dev.feedloop.users;

import dev.feedloop.synthetic.HiddenPreference;
import dev.feedloop.synthetic.SelfName;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The text form of a {@link HiddenPreference}, as {@code --preference} takes it: attribute words
 * joined by commas or plus signs, each attribute at most once. Words: {@code athene}, {@code
 * other-name}, {@code no-name} (self-name); {@code polite}, {@code impolite}; {@code brief}, {@code
 * verbose}. An attribute not named is one the user does not care about.
 */
public final class PreferenceSpec {
  /**
   * The default: "Athene and polite". The corpus writes it in 10% of answers (25% Athene times 40%
   * polite), so the base model satisfies it rarely and learning has far to go.
   */
  public static final String DEFAULT = "athene,polite";

  private PreferenceSpec() {}

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException naming the word that is unknown, repeated or contradicts
   *     another, or when no attribute is named
   */
  public static HiddenPreference parse(String text) {
    SelfName name = null;
    Boolean polite = null;
    Boolean brief = null;
    for (String raw : text.split("[,+]")) {
      String word = raw.strip().toLowerCase(Locale.ROOT);
      if (word.isEmpty()) {
        continue;
      }
      switch (word) {
        case "athene", "other-name", "no-name" -> {
          requireUnset(name, word);
          name =
              switch (word) {
                case "athene" -> SelfName.ATHENE;
                case "other-name" -> SelfName.OTHER;
                default -> SelfName.NONE;
              };
        }
        case "polite", "impolite" -> {
          requireUnset(polite, word);
          polite = word.equals("polite");
        }
        case "brief", "verbose" -> {
          requireUnset(brief, word);
          brief = word.equals("brief");
        }
        default ->
            throw new IllegalArgumentException(
                "unknown preference word '"
                    + raw.strip()
                    + "'; use athene|other-name|no-name, polite|impolite, brief|verbose");
      }
    }
    if (name == null && polite == null && brief == null) {
      throw new IllegalArgumentException("a preference names at least one attribute: " + text);
    }
    return new HiddenPreference(name, polite, brief);
  }

  /** The text form of {@code preference}; {@link #parse} reads it back to an equal preference. */
  public static String format(HiddenPreference preference) {
    List<String> words = new ArrayList<>();
    if (preference.name() != null) {
      words.add(
          switch (preference.name()) {
            case ATHENE -> "athene";
            case OTHER -> "other-name";
            case NONE -> "no-name";
          });
    }
    if (preference.polite() != null) {
      words.add(preference.polite() ? "polite" : "impolite");
    }
    if (preference.brief() != null) {
      words.add(preference.brief() ? "brief" : "verbose");
    }
    return String.join(",", words);
  }

  private static void requireUnset(Object value, String word) {
    if (value != null) {
      throw new IllegalArgumentException(
          "preference '" + word + "' repeats or contradicts an attribute already named");
    }
  }
}
