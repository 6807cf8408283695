package dev.feedloop.trainer.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.ChatMessages;
import dev.feedloop.schemas.PairSource;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.UnaryFeedback;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns one JSON record of a given format into the loop's training records, or throws {@link
 * MalformedRecordException}. Fields that a format does not carry (ids, prompt hash, model id,
 * creation time) come from the {@link ImportedRecords} the import made for this run; a prompt given
 * as plain text becomes a chat turn or a raw prompt as the {@link PromptFormat} says.
 */
public final class RecordParser {
  private RecordParser() {}

  public static ParsedRecords parse(
      JsonObject record, DatasetFormat format, PromptFormat promptFormat, ImportedRecords records) {
    return switch (format) {
      case CANONICAL -> canonical(record, records);
      case TRL_STANDARD -> trlStandard(record, promptFormat, records);
      case TRL_CONVERSATIONAL -> conversational(record, records);
      case ULTRAFEEDBACK -> ultraFeedback(record, promptFormat, records);
      case HH_RLHF -> hhRlhf(record, records);
      case KTO_UNPAIRED -> ktoUnpaired(record, promptFormat, records);
      case OPENAI_PREFERENCE -> openAiPreference(record, records);
      case RANKED -> ranked(record, promptFormat, records);
    };
  }

  /**
   * The project's own lines carry the Avro fields by their schema names; what a line leaves out
   * (files written before the ids existed, or by hand) is filled in as for any imported record.
   */
  private static ParsedRecords canonical(JsonObject record, ImportedRecords records) {
    String kind = string(record, "kind");
    List<ChatMessage> prompt = canonicalPrompt(required(record, "prompt"));
    double weight = weight(record);
    return switch (kind) {
      case "pair" -> {
        PreferencePair.Builder pair =
            records.pairBuilder(
                prompt, string(record, "chosen"), string(record, "rejected"), weight);
        optionalString(record, "pair_id").ifPresent(pair::setPairId);
        optionalString(record, "model_id").ifPresent(pair::setModelId);
        optionalString(record, "source").map(RecordParser::pairSource).ifPresent(pair::setSource);
        pair.setChosenGenerationId(optionalString(record, "chosen_generation_id").orElse(null));
        pair.setRejectedGenerationId(optionalString(record, "rejected_generation_id").orElse(null));
        pair.setChosenAdapterVersion(optionalLong(record, "chosen_adapter_version").orElse(null));
        pair.setRejectedAdapterVersion(
            optionalLong(record, "rejected_adapter_version").orElse(null));
        pair.setUserId(optionalString(record, "user_id").orElse(null));
        optionalInstant(record, "created_at").ifPresent(pair::setCreatedAt);
        checkPromptHash(record, pair.getPromptHash());
        yield ParsedRecords.pair(pair.build());
      }
      case "unary" -> {
        UnaryFeedback.Builder unary =
            records.unaryBuilder(
                prompt, string(record, "completion"), bool(record, "desirable"), weight);
        optionalString(record, "record_id").ifPresent(unary::setRecordId);
        optionalString(record, "model_id").ifPresent(unary::setModelId);
        unary.setGenerationId(optionalString(record, "generation_id").orElse(null));
        unary.setAdapterVersion(optionalLong(record, "adapter_version").orElse(null));
        unary.setUserId(optionalString(record, "user_id").orElse(null));
        optionalInstant(record, "created_at").ifPresent(unary::setCreatedAt);
        checkPromptHash(record, unary.getPromptHash());
        yield ParsedRecords.unary(unary.build());
      }
      default ->
          throw new MalformedRecordException(
              "unknown kind '" + kind + "' (expected pair or unary)");
    };
  }

  /**
   * A raw prompt (one {@link PromptFormat#RAW_TEXT_ROLE} message, as {@code import --prompt-format
   * raw} writes it) or a conversation.
   */
  private static List<ChatMessage> canonicalPrompt(JsonElement prompt) {
    if (prompt.isJsonArray() && prompt.getAsJsonArray().size() == 1) {
      JsonElement only = prompt.getAsJsonArray().get(0);
      if (only.isJsonObject()
          && only.getAsJsonObject().has("role")
          && PromptFormat.RAW_TEXT_ROLE.equals(only.getAsJsonObject().get("role").getAsString())) {
        return PromptFormat.RAW.prompt(content(only.getAsJsonObject().get("content"), "prompt"));
      }
    }
    return messages(prompt, "prompt");
  }

  private static ParsedRecords trlStandard(
      JsonObject record, PromptFormat promptFormat, ImportedRecords records) {
    String chosen = string(record, "chosen");
    String rejected = string(record, "rejected");
    if (record.has("prompt")) {
      return ParsedRecords.pair(
          records.pair(promptFormat.prompt(string(record, "prompt")), chosen, rejected));
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
    if (promptFormat == PromptFormat.RAW) {
      // raw text is trained as written: the whitespace before the answers starts the answers, so
      // prompt + answer is the original text (and byte-level BPE reads " word" as one token)
      String prompt = chosen.substring(0, cut).stripTrailing();
      return ParsedRecords.pair(
          records.pair(
              PromptFormat.RAW.prompt(prompt),
              chosen.substring(prompt.length()),
              rejected.substring(prompt.length())));
    }
    return ParsedRecords.pair(
        records.pair(
            PromptFormat.CHAT.prompt(chosen.substring(0, cut).strip()),
            chosen.substring(cut),
            rejected.substring(cut)));
  }

  private static ParsedRecords conversational(JsonObject record, ImportedRecords records) {
    List<ChatMessage> chosen = messages(required(record, "chosen"), "chosen");
    List<ChatMessage> rejected = messages(required(record, "rejected"), "rejected");
    if (record.has("prompt") && record.get("prompt").isJsonArray()) {
      List<ChatMessage> prompt = messages(record.get("prompt"), "prompt");
      return ParsedRecords.pair(
          records.pair(
              prompt, singleAssistant(chosen, "chosen"), singleAssistant(rejected, "rejected")));
    }
    int shared = sharedPrefix(chosen, rejected);
    if (shared == 0) {
      throw new MalformedRecordException("chosen and rejected conversations share no prompt");
    }
    return ParsedRecords.pair(
        records.pair(
            chosen.subList(0, shared),
            singleAssistant(chosen.subList(shared, chosen.size()), "chosen"),
            singleAssistant(rejected.subList(shared, rejected.size()), "rejected")));
  }

  /**
   * UltraFeedback binarized: conversational chosen/rejected whose messages already hold the prompt
   * as the user turn (its string "prompt" is then ignored), or plain-text answers under a string
   * prompt. Its scores are not kept: the pair already says which answer won.
   */
  private static ParsedRecords ultraFeedback(
      JsonObject record, PromptFormat promptFormat, ImportedRecords records) {
    if (required(record, "chosen").isJsonArray()) {
      return conversational(record, records);
    }
    return trlStandard(record, promptFormat, records);
  }

  private static ParsedRecords hhRlhf(JsonObject record, ImportedRecords records) {
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
        records.pair(prompt, last(chosen).getContent(), last(rejected).getContent()));
  }

  private static ParsedRecords ktoUnpaired(
      JsonObject record, PromptFormat promptFormat, ImportedRecords records) {
    JsonElement label = required(record, "label");
    if (!label.isJsonPrimitive() || !label.getAsJsonPrimitive().isBoolean()) {
      throw new MalformedRecordException("label must be true or false");
    }
    List<ChatMessage> prompt = promptOf(required(record, "prompt"), promptFormat);
    JsonElement completion = required(record, "completion");
    String text =
        completion.isJsonArray()
            ? singleAssistant(messages(completion, "completion"), "completion")
            : stringValue(completion, "completion");
    return ParsedRecords.unary(records.unary(prompt, text, label.getAsBoolean()));
  }

  private static ParsedRecords openAiPreference(JsonObject record, ImportedRecords records) {
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
    return ParsedRecords.pair(records.pair(prompt, preferred, nonPreferred));
  }

  private static ParsedRecords ranked(
      JsonObject record, PromptFormat promptFormat, ImportedRecords records) {
    List<ChatMessage> prompt = promptOf(required(record, "prompt"), promptFormat);
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
      return new ParsedRecords(
          Conversions.scoredToPairs(records, prompt, answers, scores), List.of());
    }
    return new ParsedRecords(Conversions.rankingToPairs(records, prompt, answers), List.of());
  }

  // ---- helpers ----

  private static List<ChatMessage> promptOf(JsonElement prompt, PromptFormat promptFormat) {
    return prompt.isJsonArray()
        ? messages(prompt, "prompt")
        : promptFormat.prompt(stringValue(prompt, "prompt"));
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
    if (PromptFormat.RAW_TEXT_ROLE.equals(object.get("role").getAsString())) {
      // a conversation containing it would be rendered through the chat template as a turn
      throw new MalformedRecordException(
          field
              + " holds a "
              + PromptFormat.RAW_TEXT_ROLE
              + " message, which only a canonical prompt of that one message may be");
    }
    return ChatMessages.of(object.get("role").getAsString(), content(object.get("content"), field));
  }

  // OpenAI content may be a string or a list of parts [{"type":"text","text":...}]
  static String content(JsonElement content, String field) {
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

  private static double weight(JsonObject record) {
    if (!record.has("weight") || record.get("weight").isJsonNull()) {
      return 1.0;
    }
    JsonElement value = record.get("weight");
    if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()) {
      throw new MalformedRecordException("weight must be a number");
    }
    double weight = value.getAsDouble();
    if (!(weight > 0) || !Double.isFinite(weight)) {
      throw new MalformedRecordException("weight must be finite and positive, got " + weight);
    }
    return weight;
  }

  private static Optional<String> optionalString(JsonObject record, String field) {
    JsonElement value = record.get(field);
    return value == null || value.isJsonNull()
        ? Optional.empty()
        : Optional.of(stringValue(value, field));
  }

  private static Optional<Long> optionalLong(JsonObject record, String field) {
    JsonElement value = record.get(field);
    if (value == null || value.isJsonNull()) {
      return Optional.empty();
    }
    if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()) {
      throw new MalformedRecordException(field + " must be a whole number");
    }
    try {
      return Optional.of(value.getAsBigDecimal().longValueExact());
    } catch (ArithmeticException e) {
      throw new MalformedRecordException(field + " must be a whole number");
    }
  }

  /** An ISO-8601 instant ("2025-01-31T12:00:00Z"), or milliseconds since the epoch. */
  private static Optional<Instant> optionalInstant(JsonObject record, String field) {
    JsonElement value = record.get(field);
    if (value == null || value.isJsonNull()) {
      return Optional.empty();
    }
    if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber()) {
      return Optional.of(Instant.ofEpochMilli(value.getAsLong()));
    }
    try {
      return Optional.of(Instant.parse(stringValue(value, field)));
    } catch (DateTimeParseException e) {
      throw new MalformedRecordException(
          field + " must be an ISO-8601 instant or epoch milliseconds");
    }
  }

  private static PairSource pairSource(String name) {
    try {
      return PairSource.valueOf(name.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new MalformedRecordException(
          "unknown source '" + name + "' (expected one of " + List.of(PairSource.values()) + ")");
    }
  }

  /** The prompt hash is a function of the prompt: a line that disagrees was edited or corrupted. */
  private static void checkPromptHash(JsonObject record, String promptHash) {
    Optional<String> given = optionalString(record, "prompt_hash");
    if (given.isPresent() && !given.get().equals(promptHash)) {
      throw new MalformedRecordException(
          "prompt_hash " + given.get() + " is not the hash of the prompt (" + promptHash + ")");
    }
  }
}
