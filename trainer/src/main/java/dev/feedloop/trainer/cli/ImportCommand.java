package dev.feedloop.trainer.cli;

import dev.feedloop.trainer.data.CanonicalJsonl;
import dev.feedloop.trainer.data.ImportResult;
import dev.feedloop.trainer.data.RecordDecision;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description =
        "Convert preference data (TRL standard/conversational, HH-RLHF, UltraFeedback, KTO, OpenAI, ranked) "
            + "to canonical JSONL, validating it with the rules feedback-streams applies to live feedback "
            + "and printing counts by reason code.")
final class ImportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "JSONL or JSON-array files.")
  List<Path> inputs;

  @Mixin RecordImportOptions records;

  @Option(
      names = {"-o", "--output"},
      required = true,
      description = "Canonical JSONL to write.")
  Path output;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    ImportResult result = records.importer().build().importFiles(inputs);
    RecordImportOptions.Reshaped reshaped = records.reshape(result.pairs(), result.unary());
    CanonicalJsonl.write(output, reshaped.pairs(), reshaped.unary());

    out.print(result.summary());
    printIssues(out, result.issues());
    out.println(
        "wrote "
            + reshaped.pairs().size()
            + " pairs and "
            + reshaped.unary().size()
            + " unary records to "
            + output);
    out.flush();
    return 0;
  }

  /** The first rejected records with file and line, and how many more there were. */
  static void printIssues(PrintWriter out, List<RecordDecision> issues) {
    int listed = Math.min(20, issues.size());
    for (RecordDecision issue : issues.subList(0, listed)) {
      out.println("  " + issue);
    }
    if (listed < issues.size()) {
      out.println("  ... (" + (issues.size() - listed) + " more not listed)");
    }
  }
}
