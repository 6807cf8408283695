package dev.feedloop.trainer.data;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.UnaryFeedback;
import dev.feedloop.schemas.rules.RecordLimits;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The project's canonical training-record file: JSON Lines, one Avro {@link PreferencePair} or
 * {@link UnaryFeedback} per line, its fields under their schema names ({@code created_at} as an
 * ISO-8601 instant, null fields left out) after a {@code kind}, e.g.
 *
 * <pre>
 * {"kind":"pair","pair_id":"import:5d0c…","prompt_hash":"9a1f…","model_id":"imported","prompt":[{"role":"user","content":"Hi"}],"chosen":"Hello!","rejected":"What.","source":"IMPORT","weight":1.0,"created_at":"2025-01-31T12:00:00Z"}
 * {"kind":"unary","record_id":"import:77e2…","prompt_hash":"9a1f…","model_id":"imported","prompt":[{"role":"user","content":"Hi"}],"completion":"Hello!","desirable":true,"weight":1.0,"created_at":"2025-01-31T12:00:00Z"}
 * </pre>
 *
 * Reading a line back gives the same record. Lines without ids, hash, model or time (older files,
 * hand-written ones) are completed as any imported record is.
 */
public final class CanonicalJsonl {
  private static final Gson GSON =
      new GsonBuilder().disableHtmlEscaping().serializeSpecialFloatingPointValues().create();

  /**
   * Reading back applies only the rules no training record may break (content present, sides
   * different): what was written was validated when it was made, possibly under other limits.
   */
  private static final RecordLimits READ_BACK_LIMITS =
      RecordLimits.builder()
          .similarityThreshold(1.0)
          .maxPromptChars(Integer.MAX_VALUE)
          .maxCompletionChars(Integer.MAX_VALUE)
          .build();

  private CanonicalJsonl() {}

  public static void write(Path file, List<PreferencePair> pairs, List<UnaryFeedback> unary) {
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      try (BufferedWriter writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
        for (PreferencePair pair : pairs) {
          writer.write(GSON.toJson(toJson(pair)));
          writer.newLine();
        }
        for (UnaryFeedback record : unary) {
          writer.write(GSON.toJson(toJson(record)));
          writer.newLine();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** Reads a canonical file strictly: any malformed line fails with its line number. */
  public static ImportResult read(Path file) {
    return PreferenceImporter.builder()
        .format(DatasetFormat.CANONICAL)
        .strict(true)
        .limits(READ_BACK_LIMITS)
        .build()
        .importFiles(List.of(file));
  }

  public static JsonObject toJson(PreferencePair pair) {
    JsonObject json = new JsonObject();
    json.addProperty("kind", "pair");
    json.addProperty("pair_id", pair.getPairId());
    json.addProperty("prompt_hash", pair.getPromptHash());
    json.addProperty("model_id", pair.getModelId());
    json.add("prompt", messages(pair.getPrompt()));
    json.addProperty("chosen", pair.getChosen());
    json.addProperty("rejected", pair.getRejected());
    json.addProperty("source", pair.getSource().name());
    addIfPresent(json, "chosen_generation_id", pair.getChosenGenerationId());
    addIfPresent(json, "rejected_generation_id", pair.getRejectedGenerationId());
    addIfPresent(json, "chosen_adapter_version", pair.getChosenAdapterVersion());
    addIfPresent(json, "rejected_adapter_version", pair.getRejectedAdapterVersion());
    addIfPresent(json, "user_id", pair.getUserId());
    json.addProperty("weight", pair.getWeight());
    json.addProperty("created_at", pair.getCreatedAt().toString());
    return json;
  }

  public static JsonObject toJson(UnaryFeedback record) {
    JsonObject json = new JsonObject();
    json.addProperty("kind", "unary");
    json.addProperty("record_id", record.getRecordId());
    json.addProperty("prompt_hash", record.getPromptHash());
    json.addProperty("model_id", record.getModelId());
    json.add("prompt", messages(record.getPrompt()));
    json.addProperty("completion", record.getCompletion());
    json.addProperty("desirable", record.getDesirable());
    addIfPresent(json, "generation_id", record.getGenerationId());
    addIfPresent(json, "adapter_version", record.getAdapterVersion());
    addIfPresent(json, "user_id", record.getUserId());
    json.addProperty("weight", record.getWeight());
    json.addProperty("created_at", record.getCreatedAt().toString());
    return json;
  }

  private static void addIfPresent(JsonObject json, String field, String value) {
    if (value != null) {
      json.addProperty(field, value);
    }
  }

  private static void addIfPresent(JsonObject json, String field, Long value) {
    if (value != null) {
      json.addProperty(field, value);
    }
  }

  private static JsonArray messages(List<ChatMessage> messages) {
    JsonArray array = new JsonArray();
    for (ChatMessage message : messages) {
      JsonObject json = new JsonObject();
      json.addProperty("role", message.getRole());
      json.addProperty("content", message.getContent());
      array.add(json);
    }
    return array;
  }
}
