package dev.feedloop.trainer.tiny;

import dev.feedloop.schemas.ChatMessage;
import java.util.List;

/**
 * The tiny model's chat format: ChatML as Qwen2 uses it, without Qwen's injected default system
 * prompt. {@link #TEMPLATE} is the Jinja template written to tokenizer_config.json; {@link #render}
 * produces the same text in Java (for building the corpus and tokenizer, where no Jinja engine is
 * needed).
 */
public final class ChatMl {
  public static final String IM_START = "<|im_start|>";
  public static final String IM_END = "<|im_end|>";
  public static final String END_OF_TEXT = "<|endoftext|>";
  public static final List<String> SPECIAL_TOKENS = List.of(END_OF_TEXT, IM_START, IM_END);

  public static final String TEMPLATE =
      "{%- for message in messages %}"
          + "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
          + "{%- endfor %}"
          + "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

  private ChatMl() {}

  public static String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
    StringBuilder text = new StringBuilder();
    for (ChatMessage message : messages) {
      text.append(IM_START)
          .append(message.getRole())
          .append('\n')
          .append(message.getContent())
          .append(IM_END)
          .append('\n');
    }
    if (addGenerationPrompt) {
      text.append(IM_START).append("assistant\n");
    }
    return text.toString();
  }
}
