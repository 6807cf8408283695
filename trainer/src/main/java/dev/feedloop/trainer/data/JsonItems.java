package dev.feedloop.trainer.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a data file item by item, whichever way it holds its items: one JSON value per line
 * (JSONL), or one JSON array (what the export buttons of chat front ends write). Every item comes
 * with the line it starts on and its index, so that every error can name where it is; a line that
 * is not JSON is reported and the next line read, while an array cannot be resynchronised after a
 * syntax error, so the rest of that file is skipped.
 */
public final class JsonItems {
  private static final Pattern GSON_LINE = Pattern.compile("line (\\d+)");

  private JsonItems() {}

  /** What a reader is told, in file order. */
  public interface Visitor {
    /**
     * @param line the 1-based line on which the item starts
     * @param index the 0-based position of the item in the file
     * @param text the item as JSON text (the line itself for JSONL)
     */
    void item(long line, int index, JsonElement element, String text);

    /**
     * @param isItem true when the text stood where an item belongs (a JSONL line that is not JSON),
     *     false for a file-level error (broken array syntax, content after the array)
     * @param text the offending line for JSONL; null where no item text is known
     */
    void malformed(long line, String detail, String text, boolean isItem);
  }

  /**
   * @throws DataImportException when the file cannot be read
   */
  public static void read(Path file, Visitor visitor) {
    try {
      if (startsWithArray(file)) {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
          readArray(reader, visitor);
        }
      } else {
        readLines(file, visitor);
      }
    } catch (IOException e) {
      throw new DataImportException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static boolean startsWithArray(Path file) throws IOException {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      int c;
      do {
        c = reader.read();
      } while (c != -1 && (Character.isWhitespace(c) || c == '\uFEFF'));
      return c == '[';
    }
  }

  private static void readLines(Path file, Visitor visitor) throws IOException {
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      long lineNumber = 0;
      int index = 0;
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        lineNumber++;
        if (line.isBlank()) {
          continue;
        }
        JsonElement element;
        try {
          element = JsonParser.parseString(line);
        } catch (JsonParseException e) {
          index++;
          visitor.malformed(lineNumber, "invalid JSON: " + rootMessage(e), line, true);
          continue;
        }
        visitor.item(lineNumber, index++, element, line);
      }
    }
  }

  private static void readArray(Reader source, Visitor visitor) {
    JsonReader reader = new JsonReader(source);
    reader.setStrictness(Strictness.STRICT);
    try {
      reader.beginArray();
      int index = 0;
      while (reader.hasNext()) {
        reader.peek();
        long lineNumber = currentLine(reader);
        JsonElement element = JsonParser.parseReader(reader);
        visitor.item(lineNumber, index++, element, element.toString());
      }
      reader.endArray();
      if (reader.peek() != JsonToken.END_DOCUMENT) {
        visitor.malformed(currentLine(reader), "content after the closing ]", null, false);
      }
    } catch (JsonParseException | IllegalStateException | IOException e) {
      visitor.malformed(
          currentLine(reader),
          "invalid JSON, rest of the file skipped: " + rootMessage(e),
          null,
          false);
    }
  }

  private static long currentLine(JsonReader reader) {
    Matcher matcher = GSON_LINE.matcher(reader.toString());
    return matcher.find() ? Long.parseLong(matcher.group(1)) : -1;
  }

  private static String rootMessage(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    String message =
        root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
