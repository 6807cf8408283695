package dev.feedloop.schemas.rules;

import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.ContentHash;
import java.util.List;

/**
 * The ids of training records, derived from what they are made of, so that a record produced twice
 * (a generation logged twice, a data file imported twice) has the same id and is dropped as a
 * duplicate downstream.
 */
public final class RecordIds {

  private RecordIds() {}

  /** A user's settled vote on one generation. */
  public static String vote(String generationId, String userId) {
    return "vote:" + generationId + ":" + userId;
  }

  /** An up-voted over a down-voted completion of the same prompt. */
  public static String votes(String upGenerationId, String downGenerationId) {
    return "votes:" + upGenerationId + ">" + downGenerationId;
  }

  /** A user's choice between two candidates. */
  public static String choice(String feedbackId) {
    return "choice:" + feedbackId;
  }

  /** A user's correction of a completion. */
  public static String edit(String feedbackId) {
    return "edit:" + feedbackId;
  }

  /** A pair read from a data file: {@code import:} and the {@link #pairContentHash}. */
  public static String importedPair(List<ChatMessage> prompt, String chosen, String rejected) {
    return "import:" + pairContentHash(prompt, chosen, rejected);
  }

  /** A unary record read from a data file: {@code import:} and the {@link #unaryContentHash}. */
  public static String importedUnary(
      List<ChatMessage> prompt, String completion, boolean desirable) {
    return "import:" + unaryContentHash(prompt, completion, desirable);
  }

  /**
   * A generation brought in from another system's export (a chat front end, a tracing tool): {@code
   * <system>-generation:} and a hash of the ids that system gave it (e.g. chat and message id), so
   * importing the same export twice logs the same generation instead of a new one.
   */
  public static String importedGeneration(String system, String... sourceIds) {
    return imported(system, "generation", sourceIds);
  }

  /** The request an imported generation answered; its sibling candidates share it. */
  public static String importedRequest(String system, String... sourceIds) {
    return imported(system, "request", sourceIds);
  }

  /**
   * Feedback brought in from another system's export, from the ids that system gave it (a feedback
   * or score id), so a re-import repeats the feedback id and the duplicate is dropped downstream.
   */
  public static String importedFeedback(String system, String... sourceIds) {
    return imported(system, "feedback", sourceIds);
  }

  /** 128 bits of the SHA-256 of the system, the kind and the source ids: unguessable, short. */
  private static String imported(String system, String kind, String... sourceIds) {
    if (system == null || system.isBlank() || sourceIds.length == 0) {
      throw new IllegalArgumentException("an imported id needs its system and source ids");
    }
    ContentHash hash = ContentHash.builder().text(system).text(kind);
    for (String id : sourceIds) {
      hash.text(id == null ? "" : id);
    }
    return system + "-" + kind + ":" + hash.hex().substring(0, 32);
  }

  /** SHA-256 (hex) of a pair's prompt and both answers. */
  public static String pairContentHash(List<ChatMessage> prompt, String chosen, String rejected) {
    return ContentHash.builder()
        .messages(prompt)
        .text("chosen")
        .text(chosen)
        .text("rejected")
        .text(rejected)
        .hex();
  }

  /** SHA-256 (hex) of a unary record's prompt, answer and label. */
  public static String unaryContentHash(
      List<ChatMessage> prompt, String completion, boolean desirable) {
    return ContentHash.builder()
        .messages(prompt)
        .text("completion")
        .text(completion)
        .text(desirable ? "desirable" : "undesirable")
        .hex();
  }
}
