package dev.feedloop.trainer.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.ChatMessages;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns one JSON record of a given format into canonical records, or throws {@link
 * MalformedRecordException}.
 */
public final class RecordParser {
  private RecordParser() {}

  public static ParsedRecords parse(JsonObject record, DatasetFormat format) {
    return switch (format) {
      case CANONICAL -> canonical(record);
      case TRL_STANDARD -> trlStandard(record);
      case TRL_CONVERSATIONAL -> conversational(record, Map.of());
      case HH_RLHF -> hhRlhf(record);
      case ULTRAFEEDBACK -> ultraFeedback(record);
      case KTO_UNPAIRED -> ktoUnpaired(record);
      case OPENAI_PREFERENCE -> openAiPreference(record);
      case RANKED -> ranked(record);
    };
  }

  private static ParsedRecords canonical(JsonObject record) {
    String kind = string(record, "kind");
    List<ChatMessage> prompt = messages(required(record, "prompt"), "prompt");
    Map<String, Object> metadata =
        record.has("metadata") ? metadataObject(record.get("metadata")) : Map.of();
    return switch (kind) {
      case "pair" ->
          ParsedRecords.pair(
              new PreferencePair(
                  prompt,
                  string(record, "chosen"),
                  string(record, "rejected"),
                  record.has("weight") ? record.get("weight").getAsDouble() : 1.0,
                  metadata));
      case "unary" ->
          ParsedRecords.unary(
              new UnaryRecord(
                  prompt, string(record, "completion"), bool(record, "desirable"), metadata));
      default ->
          throw new MalformedRecordException(
              "unknown kind '" + kind + "' (expected pair or unary)");
    };
  }

  private static ParsedRecords trlStandard(JsonObject record) {
    String chosen = string(record, "chosen");
    String rejected = string(record, "rejected");
    if (record.has("prompt")) {
      return ParsedRecords.pair(
          PreferencePair.of(
              List.of(ChatMessages.user(string(record, "prompt"))), chosen, rejected));
    }
    // implicit prompt: the longest shared prefix ending at whitespace
    int shared = 0;
    int limit = Math.min(chosen.length(), rejected.length());
    while (shared < limit && chosen.charAt(shared) == rejected.charAt(shared)) {
      shared++;
    }
    int cut = shared;
    while (cut > 0 && !Character.isWhitespace(chosen.charAt(cut - 1))) {
      cut--;
    }
    if (cut == 0) {
      throw new MalformedRecordException(
          "no prompt field and no shared prefix between chosen and rejected");
    }
    return ParsedRecords.pair(
        PreferencePair.of(
            List.of(ChatMessages.user(chosen.substring(0, cut).strip())),
            chosen.substring(cut),
            rejected.substring(cut)));
  }

  private static ParsedRecords conversational(JsonObject record, Map<String, Object> metadata) {
    List<ChatMessage> chosen = messages(required(record, "chosen"), "chosen");
    List<ChatMessage> rejected = messages(required(record, "rejected"), "rejected");
    if (record.has("prompt") && record.get("prompt").isJsonArray()) {
      List<ChatMessage> prompt = messages(record.get("prompt"), "prompt");
      return ParsedRecords.pair(
          new PreferencePair(
              prompt,
              singleAssistant(chosen, "chosen"),
              singleAssistant(rejected, "rejected"),
              1.0,
              metadata));
    }
    int shared = sharedPrefix(chosen, rejected);
    if (shared == 0) {
      throw new MalformedRecordException("chosen and rejected conversations share no prompt");
    }
    return ParsedRecords.pair(
        new PreferencePair(
            chosen.subList(0, shared),
            singleAssistant(chosen.subList(shared, chosen.size()), "chosen"),
            singleAssistant(rejected.subList(shared, rejected.size()), "rejected"),
            1.0,
            metadata));
  }

  private static ParsedRecords ultraFeedback(JsonObject record) {
    Map<String, Object> metadata = new LinkedHashMap<>();
    for (String key : List.of("score_chosen", "score_rejected", "prompt_id", "source")) {
      if (record.has(key) && record.get(key).isJsonPrimitive()) {
        metadata.put(key, primitive(record.getAsJsonPrimitive(key)));
      }
    }
    if (record.get("chosen").isJsonArray()) {
      JsonObject withoutStringPrompt = record.deepCopy();
      if (withoutStringPrompt.has("prompt") && !withoutStringPrompt.get("prompt").isJsonArray()) {
        withoutStringPrompt.remove(
            "prompt"); // the messages already hold the prompt as the user turn
      }
      return conversational(withoutStringPrompt, metadata);
    }
    ParsedRecords standard = trlStandard(record);
    return ParsedRecords.pair(standard.pairs().get(0).withMetadata(metadata));
  }

  private static ParsedRecords hhRlhf(JsonObject record) {
    List<ChatMessage> chosen = HhTranscript.parse(string(record, "chosen"));
    List<ChatMessage> rejected = HhTranscript.parse(string(record, "rejected"));
    if (!last(chosen).getRole().equals("assistant")
        || !last(rejected).getRole().equals("assistant")) {
      throw new MalformedRecordException("transcript does not end with an Assistant: turn");
    }
    List<ChatMessage> prompt = chosen.subList(0, chosen.size() - 1);
    if (!prompt.equals(rejected.subList(0, rejected.size() - 1))) {
      throw new MalformedRecordException(
          "chosen and rejected transcripts differ before the last Assistant: turn");
    }
    return ParsedRecords.pair(
        PreferencePair.of(prompt, last(chosen).getContent(), last(rejected).getContent()));
  }

  private static ParsedRecords ktoUnpaired(JsonObject record) {
    JsonElement label = required(record, "label");
    if (!label.isJsonPrimitive() || !label.getAsJsonPrimitive().isBoolean()) {
      throw new MalformedRecordException("label must be true or false");
    }
    List<ChatMessage> prompt = promptOf(required(record, "prompt"));
    JsonElement completion = required(record, "completion");
    String text =
        completion.isJsonArray()
            ? singleAssistant(messages(completion, "completion"), "completion")
            : stringValue(completion, "completion");
    return ParsedRecords.unary(UnaryRecord.of(prompt, text, label.getAsBoolean()));
  }

  private static ParsedRecords openAiPreference(JsonObject record) {
    JsonElement input = required(record, "input");
    if (!input.isJsonObject() || !input.getAsJsonObject().has("messages")) {
      throw new MalformedRecordException("input must be an object with messages");
    }
    List<ChatMessage> prompt = messages(input.getAsJsonObject().get("messages"), "input.messages");
    String preferred =
        singleAssistant(
            messages(required(record, "preferred_output"), "preferred_output"), "preferred_output");
    String nonPreferred =
        singleAssistant(
            messages(required(record, "non_preferred_output"), "non_preferred_output"),
            "non_preferred_output");
    return ParsedRecords.pair(PreferencePair.of(prompt, preferred, nonPreferred));
  }

  private static ParsedRecords ranked(JsonObject record) {
    List<ChatMessage> prompt = promptOf(required(record, "prompt"));
    JsonElement answersElement =
        record.has("completions") ? record.get("completions") : record.get("responses");
    if (!answersElement.isJsonArray()) {
      throw new MalformedRecordException("completions must be an array");
    }
    List<String> answers = new ArrayList<>();
    for (JsonElement answer : answersElement.getAsJsonArray()) {
      answers.add(
          answer.isJsonArray()
              ? singleAssistant(messages(answer, "completion"), "completion")
              : answer.isJsonObject()
                  ? messageOf(answer, "completion").getContent()
                  : stringValue(answer, "completion"));
    }
    if (answers.size() < 2) {
      throw new MalformedRecordException(
          "a ranking needs at least 2 completions, got " + answers.size());
    }
    if (record.has("scores")) {
      JsonArray scoresArray = record.getAsJsonArray("scores");
      if (scoresArray.size() != answers.size()) {
        throw new MalformedRecordException(
            "scores has " + scoresArray.size() + " entries for " + answers.size() + " completions");
      }
      double[] scores = new double[answers.size()];
      for (int i = 0; i < scores.length; i++) {
        scores[i] = scoresArray.get(i).getAsDouble();
      }
      return new ParsedRecords(Conversions.scoredToPairs(prompt, answers, scores), List.of());
    }
    return new ParsedRecords(Conversions.rankingToPairs(prompt, answers), List.of());
  }

  // ---- helpers ----

  private static List<ChatMessage> promptOf(JsonElement prompt) {
    return prompt.isJsonArray()
        ? messages(prompt, "prompt")
        : List.of(ChatMessages.user(stringValue(prompt, "prompt")));
  }

  private static int sharedPrefix(List<ChatMessage> first, List<ChatMessage> second) {
    int shared = 0;
    while (shared < first.size()
        && shared < second.size()
        && first.get(shared).equals(second.get(shared))) {
      shared++;
    }
    return shared;
  }

  private static String singleAssistant(List<ChatMessage> completion, String field) {
    if (completion.size() != 1) {
      throw new MalformedRecordException(
          field + " must be one assistant message, got " + completion.size() + " messages");
    }
    if (!completion.get(0).getRole().equals("assistant")) {
      throw new MalformedRecordException(
          field + " must be an assistant message, got role " + completion.get(0).getRole());
    }
    return completion.get(0).getContent();
  }

  private static ChatMessage last(List<ChatMessage> messages) {
    return messages.get(messages.size() - 1);
  }

  static List<ChatMessage> messages(JsonElement element, String field) {
    if (!element.isJsonArray()) {
      throw new MalformedRecordException(field + " must be a list of messages");
    }
    List<ChatMessage> messages = new ArrayList<>();
    for (JsonElement message : element.getAsJsonArray()) {
      messages.add(messageOf(message, field));
    }
    return messages;
  }

  private static ChatMessage messageOf(JsonElement message, String field) {
    if (!message.isJsonObject()) {
      throw new MalformedRecordException(field + " holds a non-object message");
    }
    JsonObject object = message.getAsJsonObject();
    if (!object.has("role") || !object.get("role").isJsonPrimitive()) {
      throw new MalformedRecordException(field + " holds a message without role");
    }
    return ChatMessages.of(object.get("role").getAsString(), content(object.get("content"), field));
  }

  // OpenAI content may be a string or a list of parts [{"type":"text","text":...}]
  private static String content(JsonElement content, String field) {
    if (content == null || content.isJsonNull()) {
      return "";
    }
    if (content.isJsonPrimitive()) {
      return content.getAsString();
    }
    if (content.isJsonArray()) {
      StringBuilder text = new StringBuilder();
      for (JsonElement part : content.getAsJsonArray()) {
        if (part.isJsonObject() && part.getAsJsonObject().has("text")) {
          text.append(part.getAsJsonObject().get("text").getAsString());
        } else if (part.isJsonPrimitive()) {
          text.append(part.getAsString());
        } else {
          throw new MalformedRecordException(field + " has a content part that is not text");
        }
      }
      return text.toString();
    }
    throw new MalformedRecordException(
        field + " has content that is neither text nor a list of parts");
  }

  private static JsonElement required(JsonObject record, String field) {
    JsonElement value = record.get(field);
    if (value == null || value.isJsonNull()) {
      throw new MalformedRecordException("missing field " + field);
    }
    return value;
  }

  private static String string(JsonObject record, String field) {
    return stringValue(required(record, field), field);
  }

  private static String stringValue(JsonElement value, String field) {
    if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
      throw new MalformedRecordException(field + " must be a string");
    }
    return value.getAsString();
  }

  private static boolean bool(JsonObject record, String field) {
    JsonElement value = required(record, field);
    if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isBoolean()) {
      throw new MalformedRecordException(field + " must be true or false");
    }
    return value.getAsBoolean();
  }

  private static Map<String, Object> metadataObject(JsonElement element) {
    if (!element.isJsonObject()) {
      throw new MalformedRecordException("metadata must be an object");
    }
    Map<String, Object> metadata = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> entry : element.getAsJsonObject().entrySet()) {
      JsonElement value = entry.getValue();
      metadata.put(
          entry.getKey(),
          value.isJsonPrimitive() ? primitive(value.getAsJsonPrimitive()) : value.toString());
    }
    return metadata;
  }

  private static Object primitive(JsonPrimitive value) {
    if (value.isBoolean()) {
      return value.getAsBoolean();
    }
    if (value.isNumber()) {
      return value.getAsDouble();
    }
    return value.getAsString();
  }
}
