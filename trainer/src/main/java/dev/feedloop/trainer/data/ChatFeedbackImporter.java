package dev.feedloop.trainer.data;

import com.google.gson.JsonElement;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.rules.RejectReason;
import dev.feedloop.schemas.rules.Rejection;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Reads feedback exported from a chat front end or tracing tool ({@link Source}) and turns every
 * item into the loop's live events ({@link ImportedEvents}). Every item read gets a {@link
 * RecordDecision} naming its file, line and index; strict mode fails at the first bad item,
 * otherwise it is skipped, counted and handed to the rejection listener with its text.
 */
public final class ChatFeedbackImporter {

  /** The systems whose exports are read. */
  public enum Source {
    /** Open WebUI's feedback export ({@link OpenWebUiFeedback}). */
    OPEN_WEBUI,
    /** Langfuse traces with their scores ({@link LangfuseScores}). */
    LANGFUSE;

    public String cliName() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Source parse(String name) {
      return valueOf(name.strip().toUpperCase(Locale.ROOT).replace('-', '_'));
    }
  }

  /** Told about every rejected item: where, why, and its JSON text (null if unknown). */
  @FunctionalInterface
  public interface RejectionListener {
    void rejected(RecordDecision decision, String text);
  }

  /**
   * What an import produced. Generations are listed once each, however many items rated them.
   *
   * @param skipped feedback that maps to no vote (neutral or other scores), counted
   * @param decisions one per item, in reading order
   */
  public record Result(
      List<GenerationLogged> generations,
      List<FeedbackReceived> feedback,
      long itemsRead,
      long skipped,
      List<RecordDecision> decisions) {
    public Result {
      generations = List.copyOf(generations);
      feedback = List.copyOf(feedback);
      decisions = List.copyOf(decisions);
    }

    public List<RecordDecision> issues() {
      return decisions.stream().filter(decision -> !decision.accepted()).toList();
    }
  }

  private final Source source;
  private final boolean strict;
  private final String modelId;
  private final Clock clock;
  private final LangfuseScores.ScoreMapping scoreMapping;
  private final RejectionListener rejections;

  private ChatFeedbackImporter(Builder builder) {
    this.source = Objects.requireNonNull(builder.source, "source");
    this.strict = builder.strict;
    this.modelId = builder.modelId;
    this.clock = builder.clock;
    this.scoreMapping = builder.scoreMapping;
    this.rejections = builder.rejections;
  }

  public static Builder builder(Source source) {
    return new Builder(source);
  }

  /** Imports the files in order; the events of one import share its model id and time. */
  public Result importFiles(List<Path> files) {
    ImportedEvents events =
        ImportedEvents.stamped(
            source == Source.OPEN_WEBUI ? OpenWebUiFeedback.SYSTEM : LangfuseScores.SYSTEM,
            modelId,
            clock.instant());
    OpenWebUiFeedback openWebUi = new OpenWebUiFeedback(events);
    LangfuseScores langfuse = new LangfuseScores(events, scoreMapping);
    Map<String, GenerationLogged> generations = new LinkedHashMap<>();
    List<FeedbackReceived> feedback = new ArrayList<>();
    List<RecordDecision> decisions = new ArrayList<>();
    long[] counts = new long[2]; // items read, skipped feedback
    for (Path file : files) {
      String name = file.toString();
      JsonItems.read(
          file,
          new JsonItems.Visitor() {
            @Override
            public void item(long line, int index, JsonElement element, String text) {
              counts[0]++;
              ImportedFeedback imported;
              try {
                if (!element.isJsonObject()) {
                  throw new MalformedRecordException("an item must be a JSON object");
                }
                imported =
                    source == Source.OPEN_WEBUI
                        ? openWebUi.parse(element.getAsJsonObject())
                        : langfuse.parse(element.getAsJsonObject());
              } catch (MalformedRecordException | IllegalArgumentException e) {
                reject(name, line, index, RejectReason.MALFORMED, e.getMessage(), text);
                return;
              } catch (RejectedItemException e) {
                reject(name, line, index, e.rejection().reason(), e.rejection().detail(), text);
                return;
              } catch (RuntimeException e) {
                // whatever shape a bad item has, it is one rejected item at file:line
                reject(name, line, index, RejectReason.MALFORMED, e.toString(), text);
                return;
              }
              imported.generations().forEach(g -> generations.putIfAbsent(g.getGenerationId(), g));
              feedback.addAll(imported.feedback());
              counts[1] += imported.skipped();
              decisions.add(RecordDecision.accepted(name, line));
            }

            @Override
            public void malformed(long line, String detail, String text, boolean isItem) {
              if (isItem) {
                counts[0]++;
              }
              reject(name, line, -1, RejectReason.MALFORMED, detail, text);
            }

            private void reject(
                String file,
                long line,
                int index,
                RejectReason reason,
                String detail,
                String text) {
              String where = index < 0 ? "" : "item " + index + ": ";
              RecordDecision decision =
                  RecordDecision.rejected(
                      file, line, new Rejection(reason, where + source.cliName() + ": " + detail));
              if (strict && reason == RejectReason.MALFORMED) {
                throw new DataImportException(decision.toString());
              }
              decisions.add(decision);
              rejections.rejected(decision, text);
            }
          });
    }
    return new Result(List.copyOf(generations.values()), feedback, counts[0], counts[1], decisions);
  }

  /** Import settings by name; all but the source have a default. */
  public static final class Builder {
    private final Source source;
    private boolean strict;
    private String modelId = ImportedRecords.DEFAULT_MODEL_ID;
    private Clock clock = Clock.systemUTC();
    private LangfuseScores.ScoreMapping scoreMapping = LangfuseScores.ScoreMapping.defaults();
    private RejectionListener rejections = (decision, text) -> {};

    private Builder(Source source) {
      this.source = source;
    }

    /** Fail at the first malformed item instead of skipping it (default: skip). */
    public Builder strict(boolean value) {
      this.strict = value;
      return this;
    }

    /** The model the loop trains, the model id of every generation (default: "imported"). */
    public Builder modelId(String value) {
      this.modelId = value;
      return this;
    }

    /** Gives the events' time (default: the system clock). */
    public Builder clock(Clock value) {
      this.clock = Objects.requireNonNull(value, "clock");
      return this;
    }

    /**
     * How Langfuse scores read as votes (default: {@link LangfuseScores.ScoreMapping#defaults}).
     */
    public Builder scoreMapping(LangfuseScores.ScoreMapping value) {
      this.scoreMapping = Objects.requireNonNull(value, "scoreMapping");
      return this;
    }

    /** Told about every rejected item (default: nobody; the result lists them anyway). */
    public Builder onRejected(RejectionListener value) {
      this.rejections = Objects.requireNonNull(value, "rejections");
      return this;
    }

    public ChatFeedbackImporter build() {
      return new ChatFeedbackImporter(this);
    }
  }
}
