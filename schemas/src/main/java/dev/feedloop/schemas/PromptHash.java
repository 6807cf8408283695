package dev.feedloop.schemas;

import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The key of every training record: a stable hash of a prompt's messages after normalization, so
 * that serving, feedback-streams and the trainer agree on when two prompts are "the same prompt".
 *
 * <p>Normalization keeps what changes the meaning of a prompt and drops what does not: roles are
 * trimmed and lower-cased; contents are Unicode NFC-normalized, trimmed and every whitespace run is
 * collapsed to one space. Case and punctuation of the content are kept ("No." and "no" are
 * different prompts). Message order and the system message count.
 *
 * <p>The hash is the first 128 bits of SHA-256 over the normalized messages, in lower-case hex (32
 * characters). Changing this normalization changes every key: treat it as a wire format.
 */
public final class PromptHash {

  private static final Pattern WHITESPACE = Pattern.compile("\\s+");
  private static final int HEX_CHARS = 32;

  static {
    AvroTrust.install();
  }

  private PromptHash() {}

  public static String of(List<ChatMessage> messages) {
    ContentHash hash = ContentHash.builder();
    for (ChatMessage message : messages) {
      hash.text(normalizeRole(message.getRole())).text(normalizeContent(message.getContent()));
    }
    return hash.hex().substring(0, HEX_CHARS);
  }

  static String normalizeRole(String role) {
    return role == null ? "" : role.strip().toLowerCase(Locale.ROOT);
  }

  static String normalizeContent(String content) {
    if (content == null) {
      return "";
    }
    String nfc = Normalizer.normalize(content, Normalizer.Form.NFC);
    return WHITESPACE.matcher(nfc.strip()).replaceAll(" ");
  }
}
