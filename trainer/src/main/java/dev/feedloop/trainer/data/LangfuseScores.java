package dev.feedloop.trainer.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.ChatMessages;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.GenerationLogged;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One Langfuse trace with its scores as the loop's events: every score of the configured name
 * becomes a thumbs up or down on the answer it scores, the trace's (or the scored observation's)
 * input messages and output.
 *
 * <p>The input is a trace as Langfuse's public API returns it ({@code GET /api/public/traces/{id}},
 * {@code TraceWithFullDetails}; a JSONL of those, or a JSON array, e.g. the {@code data} of {@code
 * GET /api/public/traces} pages with their scores). The fields read here:
 *
 * <ul>
 *   <li>trace {@code id}, {@code userId}, {@code sessionId} (the conversation), {@code input} and
 *       {@code output};
 *   <li>{@code observations[]}: {@code id}, {@code type} ({@code GENERATION}), {@code input},
 *       {@code output}, {@code usage.input}/{@code usage.output} or {@code
 *       usageDetails.input}/{@code usageDetails.output} (token counts);
 *   <li>{@code scores[]}: {@code id}, {@code name}, {@code dataType} ({@code NUMERIC}, {@code
 *       BOOLEAN}, {@code CATEGORICAL}), {@code value} (a number; 1 or 0 for BOOLEAN), {@code
 *       stringValue} (CATEGORICAL, and "True"/"False" for BOOLEAN), {@code observationId} (the
 *       score is about that observation, otherwise about the trace), {@code comment}, {@code
 *       authorUserId}.
 * </ul>
 *
 * An input is a list of chat messages, an object holding {@code messages}, or plain text (one user
 * turn); an output is text, a message object ({@code content}), a list holding one assistant
 * message, or an OpenAI chat completion ({@code choices[0].message}). A trace without input or
 * output of its own is read from its last GENERATION observation. The feedback's user is the
 * score's author, else the trace's user, else {@value #ANONYMOUS_USER}.
 */
public final class LangfuseScores {

  /** The source system's name in every id. */
  public static final String SYSTEM = "langfuse";

  /** The user of feedback whose score names none and whose trace has no user. */
  public static final String ANONYMOUS_USER = "langfuse-anonymous";

  /**
   * How scores read as votes.
   *
   * @param scoreName the scores to import (others are skipped and counted)
   * @param upAt a NUMERIC score at or above this is a thumbs up
   * @param downAt a NUMERIC score at or below this is a thumbs down; between the two, neutral
   * @param upValues CATEGORICAL values that are a thumbs up (case-insensitive)
   * @param downValues CATEGORICAL values that are a thumbs down (case-insensitive)
   */
  public record ScoreMapping(
      String scoreName, double upAt, double downAt, Set<String> upValues, Set<String> downValues) {

    public static final String DEFAULT_SCORE_NAME = "user-feedback";

    public ScoreMapping {
      if (scoreName == null || scoreName.isBlank()) {
        throw new IllegalArgumentException("the score name is required");
      }
      if (!(upAt > downAt)) {
        throw new IllegalArgumentException(
            "the thumbs-up threshold " + upAt + " must be above the thumbs-down one " + downAt);
      }
      upValues = lowerCase(upValues);
      downValues = lowerCase(downValues);
      Set<String> both = upValues.stream().filter(downValues::contains).collect(Collectors.toSet());
      if (!both.isEmpty()) {
        throw new IllegalArgumentException("values both up and down: " + both);
      }
    }

    /**
     * Langfuse's user-feedback convention: a score "user-feedback" of 1 (up) or 0 (down); -1 and
     * common category names read as expected.
     */
    public static ScoreMapping defaults() {
      return new ScoreMapping(
          DEFAULT_SCORE_NAME,
          1,
          0,
          Set.of("good", "positive", "up", "thumbs-up", "thumbs_up", "helpful", "correct"),
          Set.of("bad", "negative", "down", "thumbs-down", "thumbs_down", "unhelpful", "wrong"));
    }

    private static Set<String> lowerCase(Set<String> values) {
      return values.stream()
          .map(value -> value.strip().toLowerCase(Locale.ROOT))
          .filter(value -> !value.isEmpty())
          .collect(Collectors.toUnmodifiableSet());
    }

    /** Up, down, or empty for a neutral score. */
    Optional<Boolean> vote(JsonObject score, String where) {
      String dataType = JsonFields.optionalString(score, "dataType").orElse("NUMERIC");
      Optional<String> text = JsonFields.optionalString(score, "stringValue");
      JsonElement value = score.get("value");
      boolean numeric =
          value != null && value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber();
      switch (dataType.toUpperCase(Locale.ROOT)) {
        case "BOOLEAN" -> {
          if (numeric) {
            return Optional.of(value.getAsDouble() != 0);
          }
          String flag = text.orElseThrow(() -> missingValue(where)).toLowerCase(Locale.ROOT);
          return switch (flag) {
            case "true", "1" -> Optional.of(true);
            case "false", "0" -> Optional.of(false);
            default ->
                throw new MalformedRecordException(
                    where + ".stringValue of a BOOLEAN score must be True or False, got " + flag);
          };
        }
        case "CATEGORICAL" -> {
          String category = text.orElseThrow(() -> missingValue(where)).toLowerCase(Locale.ROOT);
          if (upValues.contains(category)) {
            return Optional.of(true);
          }
          return downValues.contains(category) ? Optional.of(false) : Optional.empty();
        }
        case "NUMERIC" -> {
          if (!numeric) {
            throw missingValue(where);
          }
          double number = value.getAsDouble();
          if (number >= upAt) {
            return Optional.of(true);
          }
          return number <= downAt ? Optional.of(false) : Optional.empty();
        }
        default ->
            throw new MalformedRecordException(
                where + ".dataType must be NUMERIC, BOOLEAN or CATEGORICAL, got " + dataType);
      }
    }

    private static MalformedRecordException missingValue(String where) {
      return new MalformedRecordException(where + " has no value");
    }
  }

  private final ImportedEvents events;
  private final ScoreMapping mapping;

  public LangfuseScores(ImportedEvents events, ScoreMapping mapping) {
    this.events = events;
    this.mapping = mapping;
  }

  /**
   * @throws MalformedRecordException naming the missing or misshapen field
   */
  public ImportedFeedback parse(JsonObject trace) {
    String traceId = JsonFields.string(trace, "id", "id");
    JsonElement scoresElement = trace.get("scores");
    if (scoresElement == null || !scoresElement.isJsonArray()) {
      throw new MalformedRecordException("missing scores (a trace with its scores is expected)");
    }
    Map<String, GenerationLogged> generations = new LinkedHashMap<>();
    List<FeedbackReceived> feedback = new ArrayList<>();
    int skipped = 0;
    JsonArray scores = scoresElement.getAsJsonArray();
    for (int i = 0; i < scores.size(); i++) {
      String where = "scores[" + i + "]";
      if (!scores.get(i).isJsonObject()) {
        throw new MalformedRecordException(where + " must be an object");
      }
      JsonObject score = scores.get(i).getAsJsonObject();
      if (!mapping.scoreName().equals(JsonFields.optionalString(score, "name").orElse(""))) {
        skipped++;
        continue;
      }
      Optional<Boolean> vote = mapping.vote(score, where);
      if (vote.isEmpty()) {
        skipped++;
        continue;
      }
      String scoreId = JsonFields.string(score, "id", where + ".id");
      String observationId = JsonFields.optionalString(score, "observationId").orElse("");
      GenerationLogged answer =
          generations.computeIfAbsent(
              observationId, id -> events.generation(answer(trace, traceId, id)));
      String userId =
          JsonFields.optionalString(score, "authorUserId")
              .or(() -> JsonFields.optionalString(trace, "userId"))
              .orElse(ANONYMOUS_USER);
      feedback.add(
          events.vote(
              List.of(scoreId),
              answer,
              vote.get(),
              userId,
              JsonFields.optionalString(score, "comment").orElse(null)));
    }
    return new ImportedFeedback(List.copyOf(generations.values()), feedback, skipped);
  }

  private ImportedEvents.Answer answer(JsonObject trace, String traceId, String observationId) {
    JsonObject source;
    String where;
    if (!observationId.isEmpty()) {
      int index = observationIndex(trace, observationId::equals, false);
      if (index < 0) {
        throw new MalformedRecordException(
            "the score's observation " + observationId + " is not in observations");
      }
      source = trace.getAsJsonArray("observations").get(index).getAsJsonObject();
      where = "observations[" + index + "]";
    } else if (hasValue(trace, "input") && hasValue(trace, "output")) {
      source = trace;
      where = "";
    } else {
      int index = observationIndex(trace, id -> true, true);
      if (index < 0) {
        throw new MalformedRecordException(
            "the trace has no input and output and no GENERATION observation to read them from");
      }
      source = trace.getAsJsonArray("observations").get(index).getAsJsonObject();
      where = "observations[" + index + "]";
    }
    String prefix = where.isEmpty() ? "" : where + ".";
    List<ChatMessage> prompt =
        prompt(JsonFields.required(source, "input", prefix + "input"), prefix + "input");
    String completion =
        completion(JsonFields.required(source, "output", prefix + "output"), prefix + "output");
    JsonObject usage =
        JsonFields.optionalObject(source, "usageDetails")
            .or(() -> JsonFields.optionalObject(source, "usage"))
            .orElse(new JsonObject());
    return new ImportedEvents.Answer(
        List.of(traceId, observationId),
        List.of(traceId),
        0,
        JsonFields.optionalString(trace, "userId").orElse(null),
        JsonFields.optionalString(trace, "sessionId").orElse(null),
        prompt,
        completion,
        JsonFields.countOrZero(usage, "input"),
        JsonFields.countOrZero(usage, "output"));
  }

  /** The index of the last observation whose id matches (and that is a GENERATION if asked). */
  private static int observationIndex(
      JsonObject trace, java.util.function.Predicate<String> id, boolean generationOnly) {
    JsonElement observations = trace.get("observations");
    if (observations == null || !observations.isJsonArray()) {
      return -1;
    }
    JsonArray list = observations.getAsJsonArray();
    for (int i = list.size() - 1; i >= 0; i--) {
      if (!list.get(i).isJsonObject()) {
        continue;
      }
      JsonObject observation = list.get(i).getAsJsonObject();
      boolean generation =
          "GENERATION".equals(JsonFields.optionalString(observation, "type").orElse(""));
      if (id.test(JsonFields.optionalString(observation, "id").orElse(""))
          && (generation || !generationOnly)) {
        return i;
      }
    }
    return -1;
  }

  private static boolean hasValue(JsonObject object, String field) {
    return object.has(field) && !object.get(field).isJsonNull();
  }

  private static List<ChatMessage> prompt(JsonElement input, String where) {
    if (input.isJsonPrimitive()) {
      return List.of(ChatMessages.user(input.getAsString()));
    }
    if (input.isJsonObject() && input.getAsJsonObject().has("messages")) {
      return RecordParser.messages(input.getAsJsonObject().get("messages"), where + ".messages");
    }
    if (input.isJsonArray()) {
      return RecordParser.messages(input, where);
    }
    throw new MalformedRecordException(
        where + " must be a list of chat messages, an object with messages, or text");
  }

  private static String completion(JsonElement output, String where) {
    if (output.isJsonPrimitive()) {
      return output.getAsString();
    }
    if (output.isJsonArray()) {
      List<ChatMessage> messages = RecordParser.messages(output, where);
      if (messages.size() != 1 || !messages.get(0).getRole().equals("assistant")) {
        throw new MalformedRecordException(where + " must hold exactly one assistant message");
      }
      return messages.get(0).getContent();
    }
    if (output.isJsonObject()) {
      JsonObject object = output.getAsJsonObject();
      if (object.has("content")) {
        return RecordParser.content(object.get("content"), where + ".content");
      }
      JsonElement choices = object.get("choices");
      if (choices != null
          && choices.isJsonArray()
          && !choices.getAsJsonArray().isEmpty()
          && choices.getAsJsonArray().get(0).isJsonObject()) {
        JsonObject message =
            JsonFields.object(
                choices.getAsJsonArray().get(0).getAsJsonObject(),
                "message",
                where + ".choices[0].message");
        return RecordParser.content(message.get("content"), where + ".choices[0].message.content");
      }
    }
    throw new MalformedRecordException(
        where + " must be text, a message with content, or a chat completion with choices");
  }
}
