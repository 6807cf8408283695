package dev.feedloop.trainer.cli;

import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.UnaryFeedback;
import dev.feedloop.schemas.rules.RecordLimits;
import dev.feedloop.trainer.data.Conversions;
import dev.feedloop.trainer.data.DatasetFormat;
import dev.feedloop.trainer.data.ImportedRecords;
import dev.feedloop.trainer.data.PreferenceImporter;
import dev.feedloop.trainer.data.PromptFormat;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * How preference data files are read, validated and reshaped: the options of {@code import} (to
 * canonical JSONL) and {@code publish records} (to the loop's topics), declared once so that both
 * read a file alike.
 */
final class RecordImportOptions {
  enum Target {
    AS_IS,
    PAIRS,
    UNARY
  }

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

  /** An importer with these settings; the caller may add what only it needs (a listener). */
  PreferenceImporter.Builder importer() {
    DatasetFormat forced = format.equalsIgnoreCase("auto") ? null : DatasetFormat.parse(format);
    RecordLimits limits =
        RecordLimits.builder()
            .similarityThreshold(similarityThreshold)
            .maxPromptChars(maxPromptChars)
            .maxCompletionChars(maxCompletionChars)
            .build();
    return PreferenceImporter.builder()
        .format(forced)
        .promptFormat(PromptFormat.parse(promptFormat))
        .strict(strict)
        .limits(limits)
        .modelId(modelId);
  }

  /** The accepted records reshaped as {@code --to} says. */
  Reshaped reshape(List<PreferencePair> accepted, List<UnaryFeedback> acceptedUnary) {
    List<PreferencePair> pairs = new ArrayList<>(accepted);
    List<UnaryFeedback> unary = new ArrayList<>(acceptedUnary);
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
    return new Reshaped(pairs, unary);
  }

  record Reshaped(List<PreferencePair> pairs, List<UnaryFeedback> unary) {}
}
