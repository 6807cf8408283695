package dev.feedloop.trainer.data;

import dev.feedloop.schemas.ChatMessage;
import java.util.List;

/**
 * The seam to the model module: renders chat messages through the model's chat template and
 * tokenizes them. Prompt and completion are encoded separately but must concatenate to what the
 * template gives for the full conversation, because the log-probs are taken over the completion ids
 * only. A raw prompt ({@link PromptFormat#rawText}) is plain text: tokenized as it is, without the
 * template, its completion following it directly.
 */
public interface ChatTokenizer {
  /** Token ids of the rendered prompt, including the assistant header that starts a generation. */
  int[] encodePrompt(List<ChatMessage> prompt);

  /**
   * Token ids of an assistant answer to that prompt, including the end-of-turn token(s) the
   * template appends.
   */
  int[] encodeCompletion(List<ChatMessage> prompt, String completion);

  /** A stable identifier of tokenizer plus template, part of the reference log-prob cache key. */
  String fingerprint();
}
