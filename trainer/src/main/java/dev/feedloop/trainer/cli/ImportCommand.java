package dev.feedloop.trainer.cli;

import dev.feedloop.trainer.data.CanonicalJsonl;
import dev.feedloop.trainer.data.Conversions;
import dev.feedloop.trainer.data.DatasetFormat;
import dev.feedloop.trainer.data.ImportIssue;
import dev.feedloop.trainer.data.ImportResult;
import dev.feedloop.trainer.data.PreferenceImporter;
import dev.feedloop.trainer.data.PreferencePair;
import dev.feedloop.trainer.data.UnaryRecord;
import dev.feedloop.trainer.data.ValidationConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description =
        "Convert preference data (TRL standard/conversational, HH-RLHF, UltraFeedback, KTO, OpenAI, ranked) "
            + "to canonical JSONL, validating it and printing counts by reason.")
final class ImportCommand implements Callable<Integer> {
  enum Target {
    AS_IS,
    PAIRS,
    UNARY
  }

  @Spec CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "JSONL or JSON-array files.")
  List<Path> inputs;

  @Option(
      names = {"-o", "--output"},
      required = true,
      description = "Canonical JSONL to write.")
  Path output;

  @Option(
      names = "--format",
      defaultValue = "auto",
      description =
          "auto, canonical, trl_standard, trl_conversational, hh_rlhf, ultrafeedback, kto_unpaired, "
              + "openai_preference, ranked (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(
      names = "--strict",
      description = "Fail at the first malformed record instead of skipping it.")
  boolean strict;

  @Option(
      names = "--near-duplicate-threshold",
      defaultValue = "0.95",
      description =
          "Reject pairs whose word-level similarity (1 - normalised word Levenshtein) is at least this; "
              + "1 disables (default: ${DEFAULT-VALUE}).")
  double nearDuplicateThreshold;

  @Option(
      names = "--max-prompt-chars",
      defaultValue = "0",
      description = "Reject prompts longer than this many characters (0 = no limit).")
  int maxPromptChars;

  @Option(
      names = "--to",
      defaultValue = "AS_IS",
      description =
          "AS_IS keeps pairs and unary records as they are; PAIRS also pairs up unary records of the same "
              + "prompt; UNARY splits pairs into desirable/undesirable records (default: ${DEFAULT-VALUE}).")
  Target target;

  @Option(
      names = "--max-pairs-per-prompt",
      defaultValue = "0",
      description = "With --to PAIRS: at most this many pairs per prompt (0 = all).")
  int maxPairsPerPrompt;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    DatasetFormat forced = format.equalsIgnoreCase("auto") ? null : DatasetFormat.parse(format);
    ValidationConfig validation =
        new ValidationConfig(nearDuplicateThreshold, maxPromptChars, ValidationConfig.characters());
    ImportResult result = new PreferenceImporter(forced, strict, validation).importFiles(inputs);

    List<PreferencePair> pairs = new ArrayList<>(result.pairs());
    List<UnaryRecord> unary = new ArrayList<>(result.unary());
    switch (target) {
      case PAIRS -> {
        pairs.addAll(Conversions.unaryToPairs(unary, maxPairsPerPrompt));
        unary.clear();
      }
      case UNARY -> {
        unary.addAll(Conversions.pairsToUnary(pairs));
        pairs.clear();
      }
      case AS_IS -> {}
    }
    CanonicalJsonl.write(output, pairs, unary);

    out.print(result.summary());
    int listed = Math.min(20, result.issues().size());
    for (ImportIssue issue : result.issues().subList(0, listed)) {
      out.println("  " + issue);
    }
    if (listed < result.totalRejected()) {
      out.println("  ... (" + (result.totalRejected() - listed) + " more not listed)");
    }
    out.println(
        "wrote " + pairs.size() + " pairs and " + unary.size() + " unary records to " + output);
    out.flush();
    return 0;
  }
}
