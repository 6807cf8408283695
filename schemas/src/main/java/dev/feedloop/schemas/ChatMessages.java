package dev.feedloop.schemas;

/**
 * Factories for {@link ChatMessage}, the one chat-turn type of the loop: serving logs it, the
 * topology and the trainer read it, the model renders it through its chat template.
 *
 * <p>Roles are those of the OpenAI chat API (system, user, assistant, tool), plus one the trainer
 * writes for data imported with {@code --prompt-format raw}: a prompt of exactly one {@code
 * raw_text} message is plain text that is tokenized as is, without the chat template.
 */
public final class ChatMessages {

  static {
    AvroTrust.install();
  }

  private ChatMessages() {}

  public static ChatMessage system(String content) {
    return of("system", content);
  }

  public static ChatMessage user(String content) {
    return of("user", content);
  }

  public static ChatMessage assistant(String content) {
    return of("assistant", content);
  }

  /** A message with a required role; a null content reads as empty. */
  public static ChatMessage of(String role, String content) {
    if (role == null || role.isBlank()) {
      throw new IllegalArgumentException("message role is required");
    }
    return new ChatMessage(role, content == null ? "" : content);
  }
}
