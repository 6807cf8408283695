package dev.feedloop.trainer.data;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.feedloop.schemas.ChatMessage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The project's canonical training-record file: JSON Lines, one record per line, e.g.
 *
 * <pre>
 * {"kind":"pair","prompt":[{"role":"user","content":"Hi"}],"chosen":"Hello!","rejected":"What.","weight":1.0,"metadata":{}}
 * {"kind":"unary","prompt":[{"role":"user","content":"Hi"}],"completion":"Hello!","desirable":true,"metadata":{}}
 * </pre>
 */
public final class CanonicalJsonl {
  private static final Gson GSON =
      new GsonBuilder().disableHtmlEscaping().serializeSpecialFloatingPointValues().create();

  private CanonicalJsonl() {}

  public static void write(Path file, List<PreferencePair> pairs, List<UnaryRecord> unary) {
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      try (BufferedWriter writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
        for (PreferencePair pair : pairs) {
          writer.write(GSON.toJson(toJson(pair)));
          writer.newLine();
        }
        for (UnaryRecord record : unary) {
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
    return new PreferenceImporter(
            DatasetFormat.CANONICAL,
            true,
            new ValidationConfig(1.0, 0, ValidationConfig.characters()))
        .importFiles(List.of(file));
  }

  public static JsonObject toJson(PreferencePair pair) {
    JsonObject json = new JsonObject();
    json.addProperty("kind", "pair");
    json.add("prompt", messages(pair.prompt()));
    json.addProperty("chosen", pair.chosen());
    json.addProperty("rejected", pair.rejected());
    json.addProperty("weight", pair.weight());
    json.add("metadata", GSON.toJsonTree(pair.metadata()));
    return json;
  }

  public static JsonObject toJson(UnaryRecord record) {
    JsonObject json = new JsonObject();
    json.addProperty("kind", "unary");
    json.add("prompt", messages(record.prompt()));
    json.addProperty("completion", record.completion());
    json.addProperty("desirable", record.desirable());
    json.add("metadata", GSON.toJsonTree(record.metadata()));
    return json;
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
