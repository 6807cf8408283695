package dev.feedloop.trainer.cli;

import dev.feedloop.schemas.DeadLetter;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.UnaryFeedback;
import dev.feedloop.trainer.data.ImportResult;
import dev.feedloop.trainer.publish.EventPublisher;
import dev.feedloop.trainer.publish.ImportDeadLetters;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code publish records}: reads preference files as {@code import} does (same formats, rules and
 * options) and sends the accepted records to {@code preference-pairs} / {@code unary-feedback},
 * what it rejected to {@code dead-letter}. Files are read completely before anything is sent, so a
 * strict import that fails sends nothing.
 */
@Command(
    name = "records",
    mixinStandardHelpOptions = true,
    description =
        "Send preference data files (the formats of import) to preference-pairs and unary-feedback"
            + " as Avro training records, rejected records to dead-letter with their reason, through"
            + " an idempotent producer (acks=all); prints counts and every rejection's file:line.")
final class PublishRecordsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "JSONL or JSON-array files.")
  List<Path> inputs;

  @Mixin RecordImportOptions records;

  @Mixin KafkaOptions kafkaOptions;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Instant now = Clock.systemUTC().instant();
    List<DeadLetter> deadLetters = new ArrayList<>();
    ImportResult result =
        records
            .importer()
            .onRejected(
                (decision, record, text) ->
                    deadLetters.add(ImportDeadLetters.of(decision, record, text, now)))
            .build()
            .importFiles(inputs);
    RecordImportOptions.Reshaped reshaped = records.reshape(result.pairs(), result.unary());

    Map<String, Long> sent;
    try (EventPublisher publisher =
        EventPublisher.open(kafkaOptions.kafka(), kafkaOptions.topics())) {
      for (PreferencePair pair : reshaped.pairs()) {
        publisher.send(pair);
      }
      for (UnaryFeedback unary : reshaped.unary()) {
        publisher.send(unary);
      }
      deadLetters.forEach(publisher::send);
      sent = publisher.awaitAcknowledged();
    }

    out.print(result.summary());
    ImportCommand.printIssues(out, result.issues());
    PublishFeedbackCommand.printSent(
        out,
        sent,
        kafkaOptions.topics().preferencePairs(),
        kafkaOptions.topics().unaryFeedback(),
        kafkaOptions.topics().deadLetter());
    out.flush();
    return 0;
  }
}
