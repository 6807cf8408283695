package dev.feedloop.trainer.backend;

import dev.feedloop.model.LanguageModel;
import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.ChatMessages;
import dev.feedloop.trainer.data.ChatTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@link ChatTokenizer} over a loaded model: its chat template (Jinja) and its Hugging Face
 * tokenizer.
 *
 * <p>A completion's ids are what the template renders for the whole conversation minus the prompt's
 * ids, cut right after the first end-of-turn token: generation stops there, so the policy must
 * learn to emit it, and whatever the template writes after it (ChatML's trailing newline) is never
 * generated.
 */
public final class ModelChatTokenizer implements ChatTokenizer {
  private final LanguageModel model;
  private final String fingerprint;

  public ModelChatTokenizer(LanguageModel model) {
    this.model = model;
    this.fingerprint =
        Fingerprints.sha256(
            List.of(
                Fingerprints.fileOrEmpty(model.directory().resolve("tokenizer.json")),
                Fingerprints.fileOrEmpty(model.directory().resolve("tokenizer_config.json")),
                Fingerprints.fileOrEmpty(model.directory().resolve("chat_template.jinja"))));
  }

  @Override
  public int[] encodePrompt(List<ChatMessage> prompt) {
    return toInts(model.encodeChat(prompt, true));
  }

  @Override
  public int[] encodeCompletion(List<ChatMessage> prompt, String completion) {
    List<ChatMessage> conversation = new ArrayList<>(prompt);
    conversation.add(ChatMessages.assistant(completion));
    long[] full = model.encodeChat(conversation, false);
    long[] promptIds = model.encodeChat(prompt, true);
    long[] answer;
    if (full.length > promptIds.length
        && Arrays.equals(full, 0, promptIds.length, promptIds, 0, promptIds.length)) {
      answer = Arrays.copyOfRange(full, promptIds.length, full.length);
    } else {
      // a tokenizer that merges across the prompt/answer boundary: tokenize the answer alone
      answer = model.tokenizer().encode(completion, false);
    }
    return toInts(cutAfterEndOfTurn(answer));
  }

  private long[] cutAfterEndOfTurn(long[] answer) {
    for (int i = 0; i < answer.length; i++) {
      if (model.eosTokenIds().contains(answer[i])) {
        return Arrays.copyOf(answer, i + 1);
      }
    }
    // a template that writes no end token after the answer: append the model's first stop token
    long[] withEnd = Arrays.copyOf(answer, answer.length + 1);
    withEnd[answer.length] = model.eosTokenIds().iterator().next();
    return withEnd;
  }

  @Override
  public String fingerprint() {
    return fingerprint;
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

  /** Content hashes for cache keys. */
  static final class Fingerprints {
    private Fingerprints() {}

    static String sha256(List<byte[]> parts) {
      try {
        java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
        for (byte[] part : parts) {
          digest.update(java.nio.ByteBuffer.allocate(8).putLong(part.length).array());
          digest.update(part);
        }
        return java.util.HexFormat.of().formatHex(digest.digest());
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is required by every JVM", e);
      }
    }

    /**
     * SHA-256 of a file's content (streamed: checkpoints can be large), or of nothing when it does
     * not exist.
     */
    static byte[] fileOrEmpty(Path file) {
      if (!Files.exists(file)) {
        return new byte[0];
      }
      try (var in = Files.newInputStream(file)) {
        java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[1 << 16];
        for (int read; (read = in.read(buffer)) > 0; ) {
          digest.update(buffer, 0, read);
        }
        return digest.digest();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is required by every JVM", e);
      }
    }

    static byte[] text(String text) {
      return text.getBytes(StandardCharsets.UTF_8);
    }
  }
}
