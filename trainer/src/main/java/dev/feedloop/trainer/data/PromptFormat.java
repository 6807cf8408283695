package dev.feedloop.trainer.data;

import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.ChatMessages;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How a prompt given as plain text is trained: the string prompts of TRL standard records (and of
 * UltraFeedback's plain-text form), of unpaired KTO records and of ranked records, and the implicit
 * prompt TRL standard records share. Prompts given as message lists (TRL conversational, OpenAI,
 * canonical JSONL) and HH-RLHF transcripts are conversations and always go through the chat
 * template.
 *
 * <p>A raw prompt travels inside the training record as a prompt of one message whose role is
 * {@link #RAW_TEXT_ROLE}, so canonical JSONL written by {@code import --prompt-format raw} trains
 * raw again. The trainer's tokenizer reads that message as text and never renders it.
 */
public enum PromptFormat {
  /**
   * The default: the text becomes one user message, rendered through the model's chat template with
   * the generation prompt, and the answer is an assistant turn. The model is trained as the chat
   * model it serves.
   */
  CHAT,
  /**
   * As TRL trains non-conversational data: the text is tokenized as it is (no template), the answer
   * follows it directly and ends with the end-of-turn (eos) token.
   */
  RAW;

  /** The role of the single message that holds a raw prompt; not a chat role. */
  public static final String RAW_TEXT_ROLE = "raw_text";

  /** The prompt of a record whose prompt was given as {@code text}. */
  public List<ChatMessage> prompt(String text) {
    return this == RAW
        ? List.of(ChatMessages.of(RAW_TEXT_ROLE, text))
        : List.of(ChatMessages.user(text));
  }

  /** The text of a raw prompt; empty for a conversation. */
  public static Optional<String> rawText(List<ChatMessage> prompt) {
    return prompt.size() == 1 && RAW_TEXT_ROLE.equals(prompt.get(0).getRole())
        ? Optional.of(prompt.get(0).getContent())
        : Optional.empty();
  }

  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** chat or raw, in any case. */
  public static PromptFormat parse(String name) {
    for (PromptFormat format : values()) {
      if (format.cliName().equalsIgnoreCase(name.trim())) {
        return format;
      }
    }
    throw new IllegalArgumentException("unknown prompt format '" + name + "' (chat or raw)");
  }
}
