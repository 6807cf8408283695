package dev.feedloop.trainer.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.UnaryFeedback;
import dev.feedloop.schemas.rules.RecordLimits;
import dev.feedloop.schemas.rules.RejectReason;
import dev.feedloop.schemas.rules.Rejection;
import dev.feedloop.schemas.rules.TrainingRecordValidator;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;

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
  private final DatasetFormat forcedFormat;
  private final PromptFormat promptFormat;
  private final boolean strict;
  private final TrainingRecordValidator validator;
  private final String modelId;
  private final Clock clock;
  private final RejectionListener rejections;

  private PreferenceImporter(Builder builder) {
    this.forcedFormat = builder.format;
    this.promptFormat = builder.promptFormat;
    this.strict = builder.strict;
    this.validator = new TrainingRecordValidator(builder.limits);
    this.modelId = builder.modelId;
    this.clock = builder.clock;
    this.rejections = builder.rejections;
  }

  /**
   * Told about every rejected record as it is rejected: where, why, and what it was, for a caller
   * that keeps rejects (the publish command dead-letters them). Strict mode throws instead of
   * telling it about a malformed record.
   */
  @FunctionalInterface
  public interface RejectionListener {
    /**
     * @param record the record the rules rejected; null for a malformed line, which made none
     * @param text the source text of a malformed line or item; null where none is known (a broken
     *     JSON array) or a record was made
     */
    void rejected(RecordDecision decision, SpecificRecord record, String text);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Imports the files in order. The records of one import share its model id and creation time. */
  public ImportResult importFiles(List<Path> files) {
    Accumulator accumulator =
        new Accumulator(ImportedRecords.stamped(modelId, clock.instant()), validator, rejections);
    for (Path file : files) {
      importFile(file, accumulator);
    }
    return accumulator.result();
  }

  private void importFile(Path file, Accumulator accumulator) {
    FileState state = new FileState(file.toString());
    JsonItems.read(
        file,
        new JsonItems.Visitor() {
          @Override
          public void item(long line, int index, JsonElement element, String text) {
            handle(state, line, element, text, accumulator);
          }

          @Override
          public void malformed(long line, String detail, String text, boolean isItem) {
            if (isItem) {
              accumulator.recordsRead++;
            }
            PreferenceImporter.this.malformed(state, line, detail, text, accumulator);
          }
        });
    accumulator.formats.put(file.toString(), state.format);
  }

  private void handle(
      FileState state, long lineNumber, JsonElement element, String text, Accumulator accumulator) {
    accumulator.recordsRead++;
    if (!element.isJsonObject()) {
      malformed(state, lineNumber, "a record must be a JSON object", text, accumulator);
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
            text,
            accumulator);
        return;
      }
      state.format = detected.get();
    }
    ParsedRecords parsed;
    try {
      parsed = RecordParser.parse(record, state.format, promptFormat, accumulator.records);
    } catch (MalformedRecordException e) {
      malformed(
          state, lineNumber, state.format.cliName() + ": " + e.getMessage(), text, accumulator);
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
          text,
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

  private void malformed(
      FileState state, long lineNumber, String detail, String text, Accumulator accumulator) {
    RecordDecision decision =
        RecordDecision.rejected(
            state.file, lineNumber, new Rejection(RejectReason.MALFORMED, detail));
    if (strict) {
      throw new DataImportException(decision.toString());
    }
    accumulator.decisions.add(decision);
    rejections.rejected(decision, null, text);
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

    final RejectionListener rejections;

    Accumulator(
        ImportedRecords records, TrainingRecordValidator validator, RejectionListener rejections) {
      this.records = records;
      this.validator = validator;
      this.rejections = rejections;
    }

    void decide(String file, long line, PreferencePair pair) {
      Optional<Rejection> rejection = validator.check(pair);
      decisions.add(new RecordDecision(file, line, rejection));
      if (rejection.isEmpty()) {
        pairs.add(pair);
      } else {
        rejections.rejected(decisions.get(decisions.size() - 1), pair, null);
      }
    }

    void decide(String file, long line, UnaryFeedback record) {
      Optional<Rejection> rejection = validator.check(record);
      decisions.add(new RecordDecision(file, line, rejection));
      if (rejection.isEmpty()) {
        unary.add(record);
      } else {
        rejections.rejected(decisions.get(decisions.size() - 1), record, null);
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
    private RejectionListener rejections = (decision, record, text) -> {};

    private Builder() {}

    /** Told about every rejected record (default: nobody; the result counts them anyway). */
    public Builder onRejected(RejectionListener value) {
      this.rejections = Objects.requireNonNull(value, "rejections");
      return this;
    }

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
