package dev.feedloop.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * SHA-256, the one content hash of the loop: prompt hashes, record ids, adapter checksums, cache
 * fingerprints. Fields are length-prefixed, so that no field can imitate a boundary: ("ab", "c")
 * and ("a", "bc") hash differently.
 */
public final class ContentHash {

  private static final HexFormat HEX = HexFormat.of();

  private final MessageDigest digest = sha256();

  private ContentHash() {}

  /** A hash to feed field by field. */
  public static ContentHash builder() {
    return new ContentHash();
  }

  /** SHA-256 of the bytes, lower-case hex. */
  public static String of(byte[] bytes) {
    return HEX.formatHex(sha256().digest(bytes));
  }

  /** SHA-256 of a file's content, streamed (checkpoints can be large), lower-case hex. */
  public static String ofFile(Path file) {
    MessageDigest digest = sha256();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      for (int read; (read = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, read);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return HEX.formatHex(digest.digest());
  }

  /** A text field: its UTF-8 bytes after a 4-byte big-endian length. */
  public ContentHash text(String field) {
    return bytes(field.getBytes(StandardCharsets.UTF_8));
  }

  /** A binary field after a 4-byte big-endian length. */
  public ContentHash bytes(byte[] field) {
    digest.update(ByteBuffer.allocate(Integer.BYTES).putInt(field.length).array());
    digest.update(field);
    return this;
  }

  /** Role and content of each message, as text fields. */
  public ContentHash messages(List<ChatMessage> messages) {
    for (ChatMessage message : messages) {
      text(message.getRole()).text(message.getContent());
    }
    return this;
  }

  /** The digest in lower-case hex (64 characters); the builder is spent afterwards. */
  public String hex() {
    return HEX.formatHex(digest.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
