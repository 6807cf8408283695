package dev.feedloop.trainer.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
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
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads preference data files (JSONL, or one JSON array) in any {@link DatasetFormat}, converts
 * them to canonical records and validates them. The format is detected from a file's first record
 * unless one is given. A malformed record is reported with its file and line; strict mode fails on
 * it, otherwise it is skipped and counted.
 */
public final class PreferenceImporter {
  private static final int MAX_ISSUES_KEPT = 100;
  private static final Pattern GSON_LINE = Pattern.compile("line (\\d+)");

  private final DatasetFormat forcedFormat;
  private final boolean strict;
  private final RecordValidator validator;

  /**
   * @param forcedFormat the format of every file, or null to detect it per file
   * @param strict fail at the first malformed record instead of skipping it
   */
  public PreferenceImporter(
      DatasetFormat forcedFormat, boolean strict, ValidationConfig validation) {
    this.forcedFormat = forcedFormat;
    this.strict = strict;
    this.validator = new RecordValidator(validation);
  }

  public ImportResult importFiles(List<Path> files) {
    Accumulator accumulator = new Accumulator();
    for (Path file : files) {
      importFile(file, accumulator);
    }
    return accumulator.result();
  }

  private void importFile(Path file, Accumulator accumulator) {
    try {
      if (startsWithArray(file)) {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
          readJsonArray(file, reader, accumulator);
        }
      } else {
        readJsonLines(file, accumulator);
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

  private void readJsonLines(Path file, Accumulator accumulator) throws IOException {
    FileState state = new FileState(file.toString());
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      long lineNumber = 0;
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        lineNumber++;
        if (line.isBlank()) {
          continue;
        }
        JsonElement element;
        try {
          element = JsonParser.parseString(line);
        } catch (JsonParseException e) {
          accumulator.recordsRead++;
          malformed(state, lineNumber, "invalid JSON: " + rootMessage(e), accumulator);
          continue;
        }
        handle(state, lineNumber, element, accumulator);
      }
    }
    accumulator.formats.put(file.toString(), state.format);
  }

  private void readJsonArray(Path file, Reader source, Accumulator accumulator) throws IOException {
    FileState state = new FileState(file.toString());
    JsonReader reader = new JsonReader(source);
    reader.setStrictness(Strictness.STRICT);
    try {
      reader.beginArray();
      while (reader.hasNext()) {
        reader.peek();
        long lineNumber = currentLine(reader);
        JsonElement element = JsonParser.parseReader(reader);
        handle(state, lineNumber, element, accumulator);
      }
      reader.endArray();
      if (reader.peek() != JsonToken.END_DOCUMENT) {
        malformed(state, currentLine(reader), "content after the closing ]", accumulator);
      }
    } catch (JsonParseException | IllegalStateException | IOException e) {
      // a JSON array cannot be resynchronised after a syntax error: report it and give up on the
      // rest of the file
      malformed(
          state,
          currentLine(reader),
          "invalid JSON, rest of the file skipped: " + rootMessage(e),
          accumulator);
    }
    accumulator.formats.put(file.toString(), state.format);
  }

  private void handle(
      FileState state, long lineNumber, JsonElement element, Accumulator accumulator) {
    accumulator.recordsRead++;
    if (!element.isJsonObject()) {
      malformed(state, lineNumber, "a record must be a JSON object", accumulator);
      return;
    }
    JsonObject record = element.getAsJsonObject();
    if (state.format == null) {
      Optional<DatasetFormat> detected =
          forcedFormat != null ? Optional.of(forcedFormat) : DatasetFormat.detect(record);
      if (detected.isEmpty()) {
        malformed(
            state,
            lineNumber,
            "unrecognised record format (keys " + record.keySet() + ")",
            accumulator);
        return;
      }
      state.format = detected.get();
    }
    ParsedRecords parsed;
    try {
      parsed = RecordParser.parse(record, state.format);
    } catch (MalformedRecordException e) {
      malformed(state, lineNumber, state.format.cliName() + ": " + e.getMessage(), accumulator);
      return;
    } catch (RuntimeException e) {
      // whatever shape a bad record has (a string where an array belongs, a missing field), it is
      // one
      // malformed record at file:line, never the end of the import
      malformed(
          state,
          lineNumber,
          state.format.cliName()
              + ": "
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : ": " + e.getMessage()),
          accumulator);
      return;
    }
    for (PreferencePair pair : parsed.pairs()) {
      Optional<RejectReason> reason = validator.check(pair);
      if (reason.isPresent()) {
        accumulator.reject(new ImportIssue(state.file, lineNumber, reason.get(), null));
      } else {
        accumulator.pairs.add(pair);
      }
    }
    for (UnaryRecord unary : parsed.unary()) {
      Optional<RejectReason> reason = validator.check(unary);
      if (reason.isPresent()) {
        accumulator.reject(new ImportIssue(state.file, lineNumber, reason.get(), null));
      } else {
        accumulator.unary.add(unary);
      }
    }
  }

  private void malformed(FileState state, long lineNumber, String detail, Accumulator accumulator) {
    ImportIssue issue = new ImportIssue(state.file, lineNumber, RejectReason.MALFORMED, detail);
    if (strict) {
      throw new DataImportException(issue.toString());
    }
    accumulator.reject(issue);
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

  private static final class FileState {
    final String file;
    DatasetFormat format;

    FileState(String file) {
      this.file = file;
    }
  }

  private static final class Accumulator {
    final List<PreferencePair> pairs = new ArrayList<>();
    final List<UnaryRecord> unary = new ArrayList<>();
    final Map<RejectReason, Long> rejected = new EnumMap<>(RejectReason.class);
    final List<ImportIssue> issues = new ArrayList<>();
    final Map<String, DatasetFormat> formats = new LinkedHashMap<>();
    long recordsRead;

    void reject(ImportIssue issue) {
      rejected.merge(issue.reason(), 1L, Long::sum);
      if (issues.size() < MAX_ISSUES_KEPT) {
        issues.add(issue);
      }
    }

    ImportResult result() {
      Map<String, DatasetFormat> known = new LinkedHashMap<>();
      formats.forEach(
          (file, format) -> {
            if (format != null) {
              known.put(file, format);
            }
          });
      return new ImportResult(pairs, unary, recordsRead, rejected, issues, known);
    }
  }
}
