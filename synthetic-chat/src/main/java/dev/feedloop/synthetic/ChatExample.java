package dev.feedloop.synthetic;

import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.ChatMessages;
import java.util.List;

/**
 * One corpus conversation: the user's question, the assistant's answer and the style it was written
 * in.
 */
public record ChatExample(
    String category, List<ChatMessage> prompt, String answer, StyleAttributes style) {
  public ChatExample {
    prompt = List.copyOf(prompt);
  }

  /** prompt + answer as one message list, ready for a chat template. */
  public List<ChatMessage> messages() {
    List<ChatMessage> messages = new java.util.ArrayList<>(prompt);
    messages.add(ChatMessages.assistant(answer));
    return messages;
  }
}
