package dev.feedloop.trainer.cli;

import dev.feedloop.schemas.DeadLetter;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.rules.RejectReason;
import dev.feedloop.trainer.data.ChatFeedbackImporter;
import dev.feedloop.trainer.data.ChatFeedbackImporter.Source;
import dev.feedloop.trainer.data.ImportedRecords;
import dev.feedloop.trainer.data.LangfuseScores.ScoreMapping;
import dev.feedloop.trainer.data.RecordDecision;
import dev.feedloop.trainer.publish.EventPublisher;
import dev.feedloop.trainer.publish.ImportDeadLetters;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code publish feedback}: feedback exported from a chat front end people already run (Open
 * WebUI's feedback export, Langfuse traces with their scores) into {@code generations} and {@code
 * feedback}, so that feedback-streams turns it into training records like live feedback. Files are
 * read completely before anything is sent, so a strict import that fails sends nothing.
 */
@Command(
    name = "feedback",
    mixinStandardHelpOptions = true,
    description =
        "Send feedback exported from Open WebUI (Admin > Evaluations > Feedbacks > Export) or"
            + " Langfuse (traces with their scores) to generations and feedback as Avro events, for"
            + " feedback-streams to join and turn into training records; items it cannot read go to"
            + " dead-letter and are listed with file:line.")
final class PublishFeedbackCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(
      arity = "1..*",
      paramLabel = "FILE",
      description = "The export: a JSON array or JSONL of items.")
  List<Path> inputs;

  @Option(
      names = "--source",
      required = true,
      paramLabel = "SYSTEM",
      converter = SourceConverter.class,
      description = "open-webui or langfuse: the system that exported the files.")
  Source source;

  @Option(
      names = "--model-id",
      defaultValue = ImportedRecords.DEFAULT_MODEL_ID,
      description =
          "The model id of the generations: the model the loop trains on this feedback (the source"
              + " model's name is not kept; a choice pairs two answers of one model id)"
              + " (default: ${DEFAULT-VALUE}).")
  String modelId;

  @Option(
      names = "--strict",
      description = "Fail at the first malformed item, naming its file and line, and send nothing.")
  boolean strict;

  @Option(
      names = "--score-name",
      defaultValue = ScoreMapping.DEFAULT_SCORE_NAME,
      description = "langfuse: the scores that are user feedback (default: ${DEFAULT-VALUE}).")
  String scoreName;

  @Option(
      names = "--up-at",
      defaultValue = "1",
      description =
          "langfuse: a NUMERIC score at or above this is a thumbs up (default: ${DEFAULT-VALUE}).")
  double upAt;

  @Option(
      names = "--down-at",
      defaultValue = "0",
      description =
          "langfuse: a NUMERIC score at or below this is a thumbs down; scores between are neutral"
              + " and skipped (default: ${DEFAULT-VALUE}).")
  double downAt;

  @Option(
      names = "--up-values",
      split = ",",
      paramLabel = "VALUE",
      description =
          "langfuse: CATEGORICAL values that are a thumbs up (default: good, positive, up,"
              + " thumbs-up, helpful, correct). BOOLEAN scores: true is up, false down.")
  Set<String> upValues;

  @Option(
      names = "--down-values",
      split = ",",
      paramLabel = "VALUE",
      description =
          "langfuse: CATEGORICAL values that are a thumbs down (default: bad, negative, down,"
              + " thumbs-down, unhelpful, wrong).")
  Set<String> downValues;

  @Mixin KafkaOptions kafkaOptions;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Instant now = Clock.systemUTC().instant();
    ScoreMapping defaults = ScoreMapping.defaults();
    ScoreMapping mapping =
        new ScoreMapping(
            scoreName,
            upAt,
            downAt,
            upValues == null ? defaults.upValues() : upValues,
            downValues == null ? defaults.downValues() : downValues);
    List<DeadLetter> deadLetters = new ArrayList<>();
    ChatFeedbackImporter.Result result =
        ChatFeedbackImporter.builder(source)
            .strict(strict)
            .modelId(modelId)
            .scoreMapping(mapping)
            .onRejected(
                (decision, text) ->
                    deadLetters.add(ImportDeadLetters.of(decision, null, text, now)))
            .build()
            .importFiles(inputs);

    Map<String, Long> sent;
    try (EventPublisher publisher =
        EventPublisher.open(kafkaOptions.kafka(), kafkaOptions.topics())) {
      for (GenerationLogged generation : result.generations()) {
        publisher.send(generation);
      }
      for (FeedbackReceived feedback : result.feedback()) {
        publisher.send(feedback);
      }
      deadLetters.forEach(publisher::send);
      sent = publisher.awaitAcknowledged();
    }

    out.println("source " + source.cliName() + ": " + inputs.size() + " file(s)");
    out.println("items read: " + result.itemsRead());
    out.println("generations: " + result.generations().size());
    out.println("feedback: " + result.feedback().size());
    out.println("skipped (neutral or other scores): " + result.skipped());
    List<RecordDecision> issues = result.issues();
    out.println("rejected: " + issues.size());
    Map<RejectReason, Long> byReason = new EnumMap<>(RejectReason.class);
    issues.forEach(issue -> issue.reason().ifPresent(r -> byReason.merge(r, 1L, Long::sum)));
    byReason.forEach((reason, count) -> out.println("  " + reason.code() + ": " + count));
    ImportCommand.printIssues(out, issues);
    printSent(
        out,
        sent,
        kafkaOptions.topics().generations(),
        kafkaOptions.topics().feedback(),
        kafkaOptions.topics().deadLetter());
    out.flush();
    return 0;
  }

  /** "published N to topic" for each topic, zeros included. */
  static void printSent(PrintWriter out, Map<String, Long> sent, String... topics) {
    for (String topic : topics) {
      out.println("published " + sent.getOrDefault(topic, 0L) + " to " + topic);
    }
  }

  /** Reads open-webui / langfuse (case and - or _ as you like). */
  static final class SourceConverter implements picocli.CommandLine.ITypeConverter<Source> {
    @Override
    public Source convert(String value) {
      try {
        return Source.parse(value);
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.TypeConversionException(
            "unknown source '" + value + "': expected open-webui or langfuse");
      }
    }
  }
}
