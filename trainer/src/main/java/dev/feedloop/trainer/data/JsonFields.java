package dev.feedloop.trainer.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Optional;

/**
 * Reads fields of exported JSON by their path (e.g. {@code snapshot.chat.chat.history}), so that a
 * {@link MalformedRecordException} names the exact field an item lacks or has in another shape.
 */
final class JsonFields {
  private JsonFields() {}

  static JsonObject object(JsonObject parent, String field, String path) {
    JsonElement value = required(parent, field, path);
    if (!value.isJsonObject()) {
      throw new MalformedRecordException(path + " must be an object");
    }
    return value.getAsJsonObject();
  }

  static Optional<JsonObject> optionalObject(JsonObject parent, String field) {
    JsonElement value = parent.get(field);
    return value != null && value.isJsonObject()
        ? Optional.of(value.getAsJsonObject())
        : Optional.empty();
  }

  static JsonElement required(JsonObject parent, String field, String path) {
    JsonElement value = parent.get(field);
    if (value == null || value.isJsonNull()) {
      throw new MalformedRecordException("missing " + path);
    }
    return value;
  }

  /** A non-blank string (numbers are accepted as their text: ids are sometimes numeric). */
  static String string(JsonObject parent, String field, String path) {
    JsonElement value = required(parent, field, path);
    if (!value.isJsonPrimitive() || value.getAsJsonPrimitive().isBoolean()) {
      throw new MalformedRecordException(path + " must be a string");
    }
    String text = value.getAsString();
    if (text.isBlank()) {
      throw new MalformedRecordException(path + " is empty");
    }
    return text;
  }

  /** A string, or empty when absent, null or blank. */
  static Optional<String> optionalString(JsonObject parent, String field) {
    JsonElement value = parent.get(field);
    if (value == null || !value.isJsonPrimitive() || value.getAsString().isBlank()) {
      return Optional.empty();
    }
    return Optional.of(value.getAsString());
  }

  /** A whole number, or 0 when absent or not a number (token counts an export may lack). */
  static int countOrZero(JsonObject parent, String field) {
    JsonElement value = parent.get(field);
    if (value == null || !value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()) {
      return 0;
    }
    return (int) Math.max(0, Math.min(Integer.MAX_VALUE, value.getAsLong()));
  }
}
