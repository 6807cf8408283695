package dev.feedloop.trainer.tiny;

import dev.feedloop.model.Completion;
import dev.feedloop.model.LanguageModel;
import dev.feedloop.model.SamplingParams;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.synthetic.HiddenPreference;
import dev.feedloop.synthetic.StyleShares;
import java.util.ArrayList;
import java.util.List;

/**
 * Generates answers to a fixed prompt set and measures their {@link StyleShares}: the shares the
 * corpus fixes (Athene 25%, another name 35%, polite 40%, brief 40%), the share of well-formed
 * answers, and the share that satisfies a hidden preference (what the feedback loop must raise).
 */
public final class StyleSurvey {
  private StyleSurvey() {}

  /**
   * One answer per prompt per sample, generated in batches of 32 with the given sampling
   * parameters.
   */
  public static StyleShares survey(
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
    return StyleShares.measure(asked, answers, preference);
  }
}
