package dev.feedloop.trainer.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.UnaryFeedback;
import dev.feedloop.schemas.rules.RecordLimits;
import dev.feedloop.schemas.rules.RejectReason;
import dev.feedloop.schemas.rules.Rejection;
import dev.feedloop.schemas.rules.TrainingRecordValidator;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads preference data files (JSONL, or one JSON array) in any {@link DatasetFormat}, turns them
 * into the loop's training records ({@link ImportedRecords}) and checks each with the loop's {@link
 * TrainingRecordValidator}, the rules feedback-streams applies to live feedback. The format is
 * detected from a file's first record unless one is given. Every record read gets a {@link
 * RecordDecision} naming its file and line; strict mode fails at the first malformed record,
 * otherwise it is skipped and counted.
 *
 * <pre>{@code
 * PreferenceImporter.builder().limits(RecordLimits.defaults()).modelId("tiny-chat").build()
 * }</pre>
 */
public final class PreferenceImporter {
  private static final Pattern GSON_LINE = Pattern.compile("line (\\d+)");

  private final DatasetFormat forcedFormat;
  private final PromptFormat promptFormat;
  private final boolean strict;
  private final TrainingRecordValidator validator;
  private final String modelId;
  private final Clock clock;

  private PreferenceImporter(Builder builder) {
    this.forcedFormat = builder.format;
    this.promptFormat = builder.promptFormat;
    this.strict = builder.strict;
    this.validator = new TrainingRecordValidator(builder.limits);
    this.modelId = builder.modelId;
    this.clock = builder.clock;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Imports the files in order. The records of one import share its model id and creation time. */
  public ImportResult importFiles(List<Path> files) {
    Accumulator accumulator =
        new Accumulator(ImportedRecords.stamped(modelId, clock.instant()), validator);
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
      parsed = RecordParser.parse(record, state.format, promptFormat, accumulator.records);
    } catch (MalformedRecordException e) {
      malformed(state, lineNumber, state.format.cliName() + ": " + e.getMessage(), accumulator);
      return;
    } catch (RuntimeException e) {
      // whatever shape a bad record has (a string where an array belongs, a missing field), it is
      // one malformed record at file:line, never the end of the import
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
      accumulator.decide(state.file, lineNumber, pair);
    }
    for (UnaryFeedback unary : parsed.unary()) {
      accumulator.decide(state.file, lineNumber, unary);
    }
  }

  private void malformed(FileState state, long lineNumber, String detail, Accumulator accumulator) {
    RecordDecision decision =
        RecordDecision.rejected(
            state.file, lineNumber, new Rejection(RejectReason.MALFORMED, detail));
    if (strict) {
      throw new DataImportException(decision.toString());
    }
    accumulator.decisions.add(decision);
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
    final ImportedRecords records;
    final TrainingRecordValidator validator;
    final List<PreferencePair> pairs = new ArrayList<>();
    final List<UnaryFeedback> unary = new ArrayList<>();
    final List<RecordDecision> decisions = new ArrayList<>();
    final Map<String, DatasetFormat> formats = new LinkedHashMap<>();
    long recordsRead;

    Accumulator(ImportedRecords records, TrainingRecordValidator validator) {
      this.records = records;
      this.validator = validator;
    }

    void decide(String file, long line, PreferencePair pair) {
      Optional<Rejection> rejection = validator.check(pair);
      decisions.add(new RecordDecision(file, line, rejection));
      if (rejection.isEmpty()) {
        pairs.add(pair);
      }
    }

    void decide(String file, long line, UnaryFeedback record) {
      Optional<Rejection> rejection = validator.check(record);
      decisions.add(new RecordDecision(file, line, rejection));
      if (rejection.isEmpty()) {
        unary.add(record);
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
      return new ImportResult(pairs, unary, recordsRead, decisions, known);
    }
  }

  /** Import settings by name; every one has a default. */
  public static final class Builder {
    private DatasetFormat format;
    private PromptFormat promptFormat = PromptFormat.CHAT;
    private boolean strict;
    private RecordLimits limits = RecordLimits.defaults();
    private String modelId = ImportedRecords.DEFAULT_MODEL_ID;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** The format of every file; null (the default) detects it per file. */
    public Builder format(DatasetFormat value) {
      this.format = value;
      return this;
    }

    /**
     * How prompts given as plain text are trained (default: {@link PromptFormat#CHAT}, through the
     * chat template).
     */
    public Builder promptFormat(PromptFormat value) {
      this.promptFormat = Objects.requireNonNull(value, "promptFormat");
      return this;
    }

    /** Fail at the first malformed record instead of skipping it (default: skip). */
    public Builder strict(boolean value) {
      this.strict = value;
      return this;
    }

    /** The validator's limits (default: {@link RecordLimits#defaults()}, as feedback-streams). */
    public Builder limits(RecordLimits value) {
      this.limits = Objects.requireNonNull(value, "limits");
      return this;
    }

    /** The model the records are for (default: {@link ImportedRecords#DEFAULT_MODEL_ID}). */
    public Builder modelId(String value) {
      this.modelId = value;
      return this;
    }

    /** Gives the records' creation time (default: the system clock). */
    public Builder clock(Clock value) {
      this.clock = Objects.requireNonNull(value, "clock");
      return this;
    }

    public PreferenceImporter build() {
      return new PreferenceImporter(this);
    }
  }
}
