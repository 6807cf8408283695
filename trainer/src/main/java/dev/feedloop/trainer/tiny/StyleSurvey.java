package dev.feedloop.trainer.tiny;

import dev.feedloop.model.Completion;
import dev.feedloop.model.LanguageModel;
import dev.feedloop.model.SamplingParams;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.schemas.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Generates answers to a fixed prompt set and measures their styles with {@link StyleJudge}: the
 * shares the corpus fixes (Athene 25%, another name 35%, polite 40%, brief 40%), the share of
 * well-formed answers, and the share that satisfies a hidden preference (what the feedback loop
 * must raise).
 */
public final class StyleSurvey {
  /** Shares in [0, 1] over {@code answers} generations. */
  public record Shares(
      int answers,
      double athene,
      double otherName,
      double noName,
      double polite,
      double brief,
      double wellFormed,
      double preferred) {
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

  private StyleSurvey() {}

  /**
   * One answer per prompt per sample, generated in batches of 32 with the given sampling
   * parameters.
   */
  public static Shares survey(
      LanguageModel model,
      LoraAdapter adapter,
      List<List<ChatMessage>> prompts,
      SamplingParams params,
      HiddenPreference preference) {
    List<String> answers = new ArrayList<>();
    List<String> asked = new ArrayList<>();
    for (int start = 0; start < prompts.size(); start += 32) {
      List<List<ChatMessage>> batch = prompts.subList(start, Math.min(start + 32, prompts.size()));
      SamplingParams batchParams =
          params.seed() == null
              ? params
              : new SamplingParams(
                  params.maxNewTokens(),
                  params.temperature(),
                  params.topP(),
                  params.topK(),
                  params.seed() + start,
                  params.stop(),
                  params.n());
      List<List<Completion>> completions = model.chat(batch, batchParams, adapter);
      for (int i = 0; i < batch.size(); i++) {
        for (Completion completion : completions.get(i)) {
          answers.add(completion.text());
          asked.add(batch.get(i).get(batch.get(i).size() - 1).getContent());
        }
      }
    }
    return judge(asked, answers, preference);
  }

  public static Shares judge(
      List<String> prompts, List<String> answers, HiddenPreference preference) {
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
    return new Shares(
        answers.size(),
        athene / n,
        other / n,
        none / n,
        polite / n,
        brief / n,
        wellFormed / n,
        preferred / n);
  }
}
