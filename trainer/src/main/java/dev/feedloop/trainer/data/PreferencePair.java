package dev.feedloop.trainer.data;

import dev.feedloop.schemas.ChatMessage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The canonical pairwise training record: a prompt (chat messages, ending before the assistant's
 * answer), the preferred and the dispreferred assistant answer, a weight, and free-form metadata
 * kept from the source (e.g. UltraFeedback's score_chosen / score_rejected).
 */
public record PreferencePair(
    List<ChatMessage> prompt,
    String chosen,
    String rejected,
    double weight,
    Map<String, Object> metadata) {
  public PreferencePair {
    prompt = List.copyOf(prompt);
    chosen = chosen == null ? "" : chosen;
    rejected = rejected == null ? "" : rejected;
    metadata =
        metadata == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    if (!(weight > 0) || !Double.isFinite(weight)) {
      throw new IllegalArgumentException("pair weight must be finite and positive, got " + weight);
    }
  }

  public static PreferencePair of(List<ChatMessage> prompt, String chosen, String rejected) {
    return new PreferencePair(prompt, chosen, rejected, 1.0, Map.of());
  }

  public PreferencePair withMetadata(Map<String, Object> extra) {
    Map<String, Object> merged = new LinkedHashMap<>(metadata);
    merged.putAll(extra);
    return new PreferencePair(prompt, chosen, rejected, weight, merged);
  }

  /** SHA-256 of the prompt and both answers: a stable id for de-duplication and caches. */
  public String contentHash() {
    return ContentHash.of(prompt, "chosen", chosen, "rejected", rejected);
  }

  static final class ContentHash {
    private ContentHash() {}

    static String of(List<ChatMessage> prompt, String... parts) {
      try {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        for (ChatMessage message : prompt) {
          update(digest, message.getRole());
          update(digest, message.getContent());
        }
        for (String part : parts) {
          update(digest, part);
        }
        return HexFormat.of().formatHex(digest.digest());
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is required by every JVM", e);
      }
    }

    // length-prefixed so that ("ab","c") and ("a","bc") hash differently
    private static void update(MessageDigest digest, String text) {
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      digest.update(java.nio.ByteBuffer.allocate(4).putInt(bytes.length).array());
      digest.update(bytes);
    }
  }
}
