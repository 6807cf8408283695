package dev.feedloop.trainer.cli;

import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.UnaryFeedback;
import dev.feedloop.schemas.rules.RecordLimits;
import dev.feedloop.trainer.data.CanonicalJsonl;
import dev.feedloop.trainer.data.Conversions;
import dev.feedloop.trainer.data.DatasetFormat;
import dev.feedloop.trainer.data.ImportResult;
import dev.feedloop.trainer.data.ImportedRecords;
import dev.feedloop.trainer.data.PreferenceImporter;
import dev.feedloop.trainer.data.PromptFormat;
import dev.feedloop.trainer.data.RecordDecision;
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
            + "to canonical JSONL, validating it with the rules feedback-streams applies to live feedback "
            + "and printing counts by reason code.")
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
      names = "--prompt-format",
      defaultValue = "chat",
      description =
          "How prompts given as plain text (TRL standard and UltraFeedback string prompts, kto_unpaired and "
              + "ranked string prompts) will be trained: chat makes them a user turn for the model's chat "
              + "template; raw keeps them as text to tokenize as is (written as one \"raw_text\" message), "
              + "as TRL trains non-conversational data. Message lists and HH-RLHF transcripts stay "
              + "conversations (default: ${DEFAULT-VALUE}).")
  String promptFormat;

  @Option(
      names = "--strict",
      description = "Fail at the first malformed record instead of skipping it.")
  boolean strict;

  @Option(
      names = "--similarity-threshold",
      defaultValue = "" + RecordLimits.DEFAULT_SIMILARITY_THRESHOLD,
      description =
          "Reject pairs whose chosen and rejected texts have a character-trigram similarity of at least "
              + "this, in (0, 1]; the same rule and default as feedback-streams (default: ${DEFAULT-VALUE}).")
  double similarityThreshold;

  @Option(
      names = "--max-prompt-chars",
      defaultValue = "" + RecordLimits.DEFAULT_MAX_PROMPT_CHARS,
      description =
          "Reject prompts longer than this many characters, all messages together (default: ${DEFAULT-VALUE}).")
  int maxPromptChars;

  @Option(
      names = "--max-completion-chars",
      defaultValue = "" + RecordLimits.DEFAULT_MAX_COMPLETION_CHARS,
      description =
          "Reject answers (chosen, rejected or unary) longer than this many characters (default: ${DEFAULT-VALUE}).")
  int maxCompletionChars;

  @Option(
      names = "--model-id",
      defaultValue = ImportedRecords.DEFAULT_MODEL_ID,
      description =
          "The model_id of the imported records: the model they are meant to train (default: ${DEFAULT-VALUE}).")
  String modelId;

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
    RecordLimits limits =
        RecordLimits.builder()
            .similarityThreshold(similarityThreshold)
            .maxPromptChars(maxPromptChars)
            .maxCompletionChars(maxCompletionChars)
            .build();
    ImportResult result =
        PreferenceImporter.builder()
            .format(forced)
            .promptFormat(PromptFormat.parse(promptFormat))
            .strict(strict)
            .limits(limits)
            .modelId(modelId)
            .build()
            .importFiles(inputs);

    List<PreferencePair> pairs = new ArrayList<>(result.pairs());
    List<UnaryFeedback> unary = new ArrayList<>(result.unary());
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
    List<RecordDecision> issues = result.issues();
    int listed = Math.min(20, issues.size());
    for (RecordDecision issue : issues.subList(0, listed)) {
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
