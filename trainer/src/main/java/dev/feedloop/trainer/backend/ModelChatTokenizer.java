package dev.feedloop.trainer.backend;

import dev.feedloop.model.LanguageModel;
import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.trainer.data.ChatTokenizer;
import dev.feedloop.trainer.data.PromptFormat;
import java.util.List;
import java.util.Optional;

/**
 * {@link ChatTokenizer} over a loaded model: the model's own prompt and completion tokenization
 * ({@link LanguageModel#promptTokens}, {@link LanguageModel#completionTokens}), so the trainer
 * scores a completion on the ids serving's logged log-prob was computed on. A raw prompt ({@link
 * PromptFormat#RAW}) is tokenized as plain text instead ({@link LanguageModel#rawPromptTokens},
 * {@link LanguageModel#rawCompletionTokens}).
 */
public final class ModelChatTokenizer implements ChatTokenizer {
  private final LanguageModel model;

  public ModelChatTokenizer(LanguageModel model) {
    this.model = model;
  }

  @Override
  public int[] encodePrompt(List<ChatMessage> prompt) {
    Optional<String> raw = PromptFormat.rawText(prompt);
    return toInts(raw.isPresent() ? model.rawPromptTokens(raw.get()) : model.promptTokens(prompt));
  }

  @Override
  public int[] encodeCompletion(List<ChatMessage> prompt, String completion) {
    Optional<String> raw = PromptFormat.rawText(prompt);
    return toInts(
        raw.isPresent()
            ? model.rawCompletionTokens(raw.get(), completion)
            : model.completionTokens(prompt, completion));
  }

  @Override
  public String fingerprint() {
    return model.tokenizationFingerprint();
  }

  public static int[] toInts(long[] ids) {
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  public static long[] toLongs(int[] ids) {
    long[] out = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = ids[i];
    }
    return out;
  }
}
