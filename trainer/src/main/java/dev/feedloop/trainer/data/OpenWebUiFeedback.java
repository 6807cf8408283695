package dev.feedloop.trainer.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.ChatMessages;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.rules.RejectReason;
import dev.feedloop.schemas.rules.Rejection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One item of Open WebUI's feedback export as the loop's events: the rated answer as a {@link
 * GenerationLogged} (its prompt is the conversation up to it) and the rating as thumbs up or down;
 * a rating given in arena mode, where the user compared the answers of several models to the same
 * message, becomes a CHOICE of the rated answer over each sibling (rating 1) or of each sibling
 * over it (rating -1), as Open WebUI's own leaderboard reads it.
 *
 * <p>The export (Admin Panel, Evaluations, Feedbacks, Export; {@code GET
 * /api/v1/evaluations/feedbacks/all/export}) is a JSON array of the rows of Open WebUI's feedback
 * table ({@code backend/open_webui/models/feedbacks.py}, {@code FeedbackModel}); the web UI fills
 * them in {@code src/lib/components/chat/Messages/ResponseMessage.svelte} ({@code
 * feedbackHandler}). The fields read here:
 *
 * <ul>
 *   <li>{@code id} (the feedback id) and {@code user_id}: the feedback's source ids and its user;
 *   <li>{@code data.rating}: 1 or -1 (a number or its text); {@code data.reason} and {@code
 *       data.comment}: kept as the feedback's comment;
 *   <li>{@code meta.chat_id}, {@code meta.message_id}: the rated answer; {@code meta.arena}: an
 *       arena comparison (then {@code data.sibling_model_ids} are the other answers' models);
 *   <li>{@code snapshot.chat}: the chat as {@code GET /api/v1/chats/{id}} returns it, whose {@code
 *       chat.history.messages} maps message ids to {@code {id, parentId, childrenIds, role,
 *       content, usage}}; the prompt is the chain of {@code parentId}s up from the rated answer,
 *       its siblings are the other {@code childrenIds} of its parent. Older chats without a history
 *       are read from the {@code chat.messages} list instead (no siblings then).
 * </ul>
 *
 * Rows without a rating (a detailed 1-10 score alone) are rejected as {@code invalid-feedback}.
 */
public final class OpenWebUiFeedback {

  /** The source system's name in every id. */
  public static final String SYSTEM = "open-webui";

  private final ImportedEvents events;

  public OpenWebUiFeedback(ImportedEvents events) {
    this.events = events;
  }

  /**
   * @throws MalformedRecordException naming the missing or misshapen field
   * @throws RejectedItemException for a rating that is neither 1 nor -1
   */
  public ImportedFeedback parse(JsonObject item) {
    String feedbackId = JsonFields.string(item, "id", "id");
    String userId = JsonFields.string(item, "user_id", "user_id");
    JsonObject data = JsonFields.object(item, "data", "data");
    JsonObject meta = JsonFields.object(item, "meta", "meta");
    boolean up = rating(data);
    String chatId = JsonFields.string(meta, "chat_id", "meta.chat_id");
    String messageId = JsonFields.string(meta, "message_id", "meta.message_id");
    boolean arena =
        meta.has("arena")
            && meta.get("arena").isJsonPrimitive()
            && meta.get("arena").getAsBoolean();
    JsonObject chat =
        JsonFields.object(
            JsonFields.object(
                JsonFields.object(item, "snapshot", "snapshot"), "chat", "snapshot.chat"),
            "chat",
            "snapshot.chat.chat");
    String comment = comment(data);

    Conversation conversation = Conversation.of(chat, chatId);
    Turn rated = conversation.answer(messageId);
    GenerationLogged answer = events.generation(rated.answer(chatId, userId));
    if (!arena || rated.siblings().isEmpty()) {
      FeedbackReceived vote = events.vote(List.of(feedbackId), answer, up, userId, comment);
      return new ImportedFeedback(List.of(answer), List.of(vote), 0);
    }
    List<GenerationLogged> generations = new ArrayList<>(List.of(answer));
    List<FeedbackReceived> choices = new ArrayList<>();
    for (Turn sibling : rated.siblings()) {
      GenerationLogged other = events.generation(sibling.answer(chatId, userId));
      generations.add(other);
      List<String> ids = List.of(feedbackId, sibling.id());
      choices.add(
          up
              ? events.choice(ids, answer, other, userId, comment)
              : events.choice(ids, other, answer, userId, comment));
    }
    return new ImportedFeedback(generations, choices, 0);
  }

  private static boolean rating(JsonObject data) {
    JsonElement rating = data.get("rating");
    String text = rating == null || !rating.isJsonPrimitive() ? "" : rating.getAsString().strip();
    return switch (text) {
      case "1", "1.0" -> true;
      case "-1", "-1.0" -> false;
      default ->
          throw new RejectedItemException(
              new Rejection(
                  RejectReason.INVALID_FEEDBACK,
                  "data.rating must be 1 or -1, got " + (rating == null ? "nothing" : rating)));
    };
  }

  private static String comment(JsonObject data) {
    Optional<String> reason = JsonFields.optionalString(data, "reason");
    Optional<String> comment = JsonFields.optionalString(data, "comment");
    if (reason.isPresent() && comment.isPresent()) {
      return reason.get() + ": " + comment.get();
    }
    return reason.or(() -> comment).orElse(null);
  }

  /** An assistant message of the chat with the messages before it. */
  private record Turn(
      String id,
      String parentId,
      int candidateIndex,
      List<ChatMessage> prompt,
      String completion,
      int promptTokens,
      int completionTokens,
      List<Turn> siblings) {

    ImportedEvents.Answer answer(String chatId, String userId) {
      return new ImportedEvents.Answer(
          List.of(chatId, id),
          List.of(chatId, parentId == null ? "" : parentId),
          candidateIndex,
          userId,
          chatId,
          prompt,
          completion,
          promptTokens,
          completionTokens);
    }
  }

  /** The messages of a chat snapshot, by id (history) or in order (the older list form). */
  private record Conversation(JsonObject messages, JsonArray list, String path) {

    static Conversation of(JsonObject chat, String chatId) {
      Optional<JsonObject> history = JsonFields.optionalObject(chat, "history");
      if (history.isPresent()) {
        return new Conversation(
            JsonFields.object(history.get(), "messages", "snapshot.chat.chat.history.messages"),
            null,
            "snapshot.chat.chat.history.messages");
      }
      JsonElement list = chat.get("messages");
      if (list == null || !list.isJsonArray()) {
        throw new MalformedRecordException(
            "snapshot.chat.chat of chat " + chatId + " has neither history.messages nor messages");
      }
      return new Conversation(null, list.getAsJsonArray(), "snapshot.chat.chat.messages");
    }

    Turn answer(String messageId) {
      return messages != null ? fromHistory(messageId, true) : fromList(messageId);
    }

    private Turn fromHistory(String messageId, boolean withSiblings) {
      JsonObject message = message(messageId);
      String where = path + "." + messageId;
      requireAssistant(message, where);
      List<ChatMessage> prompt = new ArrayList<>();
      Set<String> seen = new HashSet<>(Set.of(messageId));
      String parentId = JsonFields.optionalString(message, "parentId").orElse(null);
      for (String id = parentId; id != null; ) {
        if (!seen.add(id)) {
          throw new MalformedRecordException(where + ": parentId chain loops at " + id);
        }
        JsonObject parent = message(id);
        prompt.add(chatMessage(parent, path + "." + id));
        id = JsonFields.optionalString(parent, "parentId").orElse(null);
      }
      Collections.reverse(prompt);
      List<String> family = parentId == null ? List.of(messageId) : children(parentId);
      List<Turn> siblings = new ArrayList<>();
      if (withSiblings) {
        for (String sibling : family) {
          if (!sibling.equals(messageId)
              && messages.has(sibling)
              && isAnswer(messages.get(sibling))) {
            siblings.add(fromHistory(sibling, false));
          }
        }
      }
      return new Turn(
          messageId,
          parentId,
          Math.max(0, family.indexOf(messageId)),
          prompt,
          RecordParser.content(message.get("content"), where + ".content"),
          usage(message, "prompt_tokens"),
          usage(message, "completion_tokens"),
          siblings);
    }

    private Turn fromList(String messageId) {
      List<ChatMessage> prompt = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        String where = path + "[" + i + "]";
        if (!list.get(i).isJsonObject()) {
          throw new MalformedRecordException(where + " must be an object");
        }
        JsonObject message = list.get(i).getAsJsonObject();
        if (messageId.equals(JsonFields.optionalString(message, "id").orElse(null))) {
          requireAssistant(message, where);
          return new Turn(
              messageId,
              null,
              0,
              prompt,
              RecordParser.content(message.get("content"), where + ".content"),
              usage(message, "prompt_tokens"),
              usage(message, "completion_tokens"),
              List.of());
        }
        prompt.add(chatMessage(message, where));
      }
      throw new MalformedRecordException(path + " has no message " + messageId);
    }

    private JsonObject message(String id) {
      JsonElement message = messages.get(id);
      if (message == null || !message.isJsonObject()) {
        throw new MalformedRecordException(path + " has no message " + id);
      }
      return message.getAsJsonObject();
    }

    private List<String> children(String parentId) {
      JsonElement children = message(parentId).get("childrenIds");
      List<String> ids = new ArrayList<>();
      if (children != null && children.isJsonArray()) {
        for (JsonElement child : children.getAsJsonArray()) {
          if (child.isJsonPrimitive()) {
            ids.add(child.getAsString());
          }
        }
      }
      return ids;
    }

    private static boolean isAnswer(JsonElement message) {
      return message.isJsonObject()
          && "assistant"
              .equals(JsonFields.optionalString(message.getAsJsonObject(), "role").orElse(""));
    }

    private static void requireAssistant(JsonObject message, String where) {
      String role = JsonFields.string(message, "role", where + ".role");
      if (!role.equals("assistant")) {
        throw new MalformedRecordException(
            where + " is the rated message but has role " + role + ", not assistant");
      }
    }

    private static ChatMessage chatMessage(JsonObject message, String where) {
      return ChatMessages.of(
          JsonFields.string(message, "role", where + ".role"),
          RecordParser.content(message.get("content"), where + ".content"));
    }

    /** Token counts as OpenAI-compatible connections report them in {@code usage}. */
    private static int usage(JsonObject message, String field) {
      return JsonFields.optionalObject(message, "usage")
          .map(usage -> JsonFields.countOrZero(usage, field))
          .orElse(0);
    }
  }
}
