package dev.feedloop.trainer.data;

import dev.feedloop.schemas.ChatMessage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The canonical unary (KTO) training record: a prompt, one assistant answer, and whether it is
 * desirable.
 */
public record UnaryRecord(
    List<ChatMessage> prompt, String completion, boolean desirable, Map<String, Object> metadata) {
  public UnaryRecord {
    prompt = List.copyOf(prompt);
    completion = completion == null ? "" : completion;
    metadata =
        metadata == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  public static UnaryRecord of(List<ChatMessage> prompt, String completion, boolean desirable) {
    return new UnaryRecord(prompt, completion, desirable, Map.of());
  }

  public String contentHash() {
    return PreferencePair.ContentHash.of(
        prompt, "completion", completion, desirable ? "desirable" : "undesirable");
  }
}
