package dev.feedloop.synthetic;

import java.util.List;
import java.util.Locale;

/**
 * The style shares of a set of answers, each in [0, 1]: the self-name, politeness and length shares
 * the corpus fixes (Athene 25%, another name 35%, polite 40%, brief 40%), the share of well-formed
 * answers, and the share that is well formed AND satisfies a hidden preference. That last share is
 * the loop's success metric; the well-formed share must not fall while it rises (an answer that
 * wins on style by breaking down is not a win).
 *
 * @param answers how many answers were judged
 * @param athene share calling themselves Athene
 * @param otherName share using another assistant name
 * @param noName share with no self-name
 * @param polite share with a polite phrase
 * @param brief share without elaboration
 * @param wellFormed share that {@link AnswerGrammar} accepts
 * @param preferred share that is well formed and satisfies the preference
 */
public record StyleShares(
    int answers,
    double athene,
    double otherName,
    double noName,
    double polite,
    double brief,
    double wellFormed,
    double preferred) {

  /**
   * Judges {@code answers.get(i)} as the answer to the corpus question {@code prompts.get(i)}.
   *
   * @throws IllegalArgumentException when the lists differ in size or a prompt is not a corpus
   *     question
   */
  public static StyleShares measure(
      List<String> prompts, List<String> answers, HiddenPreference preference) {
    if (prompts.size() != answers.size()) {
      throw new IllegalArgumentException(
          prompts.size() + " prompts for " + answers.size() + " answers");
    }
    AnswerGrammar grammar = AnswerGrammar.ofCorpus();
    int athene = 0, other = 0, none = 0, polite = 0, brief = 0, wellFormed = 0, preferred = 0;
    for (int i = 0; i < answers.size(); i++) {
      String answer = answers.get(i);
      StyleAttributes style = StyleJudge.judge(answer);
      switch (style.name()) {
        case ATHENE -> athene++;
        case OTHER -> other++;
        case NONE -> none++;
      }
      polite += style.polite() ? 1 : 0;
      brief += style.brief() ? 1 : 0;
      boolean formed = grammar.wellFormed(prompts.get(i), answer);
      wellFormed += formed ? 1 : 0;
      preferred += formed && preference.satisfiedBy(style) ? 1 : 0;
    }
    double n = Math.max(1, answers.size());
    return new StyleShares(
        answers.size(),
        athene / n,
        other / n,
        none / n,
        polite / n,
        brief / n,
        wellFormed / n,
        preferred / n);
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "%d answers: Athene %.1f%%, other name %.1f%%, no name %.1f%%, polite %.1f%%, "
            + "brief %.1f%%, well-formed %.1f%%, satisfying the preference %.1f%%",
        answers,
        100 * athene,
        100 * otherName,
        100 * noName,
        100 * polite,
        100 * brief,
        100 * wellFormed,
        100 * preferred);
  }
}
