package dev.feedloop.trainer.cli;

import dev.feedloop.trainer.data.PromptFormat;
import dev.feedloop.trainer.data.TruncationConfig;
import dev.feedloop.trainer.data.TruncationMode;
import dev.feedloop.trainer.loss.LossConfig;
import dev.feedloop.trainer.loss.LossTerm;
import dev.feedloop.trainer.run.ReferenceKind;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Options shared by train and eval that define the objective: data and prompt format, loss,
 * reference, lengths and batch size (the model, device and seed come from the model module's {@link
 * dev.feedloop.model.cli.ModelOptions}).
 */
final class ObjectiveOptions {
  @Option(
      names = "--format",
      defaultValue = "auto",
      description = "Data format, or auto (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(
      names = "--prompt-format",
      defaultValue = "chat",
      description =
          "How prompts given as plain text (TRL standard and UltraFeedback string prompts, kto_unpaired and "
              + "ranked string prompts) are tokenized: chat wraps them as a user turn in the model's chat "
              + "template; raw tokenizes the text as is and the answer follows it directly, ending with the "
              + "eos token, as TRL trains non-conversational data. Message lists and HH-RLHF transcripts "
              + "always use the chat template (default: ${DEFAULT-VALUE}).")
  String promptFormat;

  @Option(
      names = "--loss",
      split = ",",
      defaultValue = "sigmoid",
      description =
          "Loss types with optional weights, e.g. sigmoid or sigmoid,sft:0.1 or kto. Types: sigmoid, robust, "
              + "hinge, ipo, sigmoid_norm, simpo, orpo, kto, sft (default: ${DEFAULT-VALUE}).")
  List<String> losses;

  @Option(
      names = "--beta",
      defaultValue = "0.1",
      description = "Implicit-reward temperature (default: ${DEFAULT-VALUE}).")
  double beta;

  @Option(
      names = "--label-smoothing",
      defaultValue = "0",
      description = "cDPO / robust label noise in [0, 0.5) (default: ${DEFAULT-VALUE}).")
  double labelSmoothing;

  @Option(
      names = "--simpo-gamma",
      defaultValue = "0.5",
      description = "SimPO target margin (default: ${DEFAULT-VALUE}).")
  double simpoGamma;

  @Option(
      names = "--desirable-weight",
      defaultValue = "1.0",
      description = "KTO lambda_D (default: ${DEFAULT-VALUE}).")
  double desirableWeight;

  @Option(
      names = "--undesirable-weight",
      defaultValue = "1.0",
      description = "KTO lambda_U (default: ${DEFAULT-VALUE}).")
  double undesirableWeight;

  @Option(
      names = "--max-length",
      defaultValue = "1024",
      description = "Max prompt+completion tokens, 0 = none (default: ${DEFAULT-VALUE}).")
  int maxLength;

  @Option(
      names = "--max-prompt-length",
      defaultValue = "512",
      description = "Max prompt tokens, 0 = none (default: ${DEFAULT-VALUE}).")
  int maxPromptLength;

  @Option(
      names = "--truncation-mode",
      defaultValue = "KEEP_END",
      description = "KEEP_END or KEEP_START of long prompts (default: ${DEFAULT-VALUE}).")
  TruncationMode truncationMode;

  @Option(
      names = "--drop-overlong",
      description = "Drop over-long records instead of truncating them.")
  boolean dropOverlong;

  @Option(
      names = "--reference",
      defaultValue = "BASE",
      description =
          "BASE (adapters disabled) or PREVIOUS (the adapter given by --reference-adapter) (default: ${DEFAULT-VALUE}).")
  ReferenceKind reference;

  @Option(
      names = "--reference-adapter",
      description = "The previous adapter directory for --reference PREVIOUS.")
  Path referenceAdapter;

  @Option(
      names = "--reference-cache",
      description = "Directory caching reference log-probs across runs.")
  Path referenceCache;

  @Option(
      names = "--batch-size",
      defaultValue = "8",
      description = "Records per micro-batch (default: ${DEFAULT-VALUE}).")
  int batchSize;

  PromptFormat promptFormat() {
    return PromptFormat.parse(promptFormat);
  }

  LossConfig lossConfig() {
    List<LossTerm> terms = losses.stream().map(LossTerm::parse).toList();
    return new LossConfig(
        terms, beta, labelSmoothing, simpoGamma, desirableWeight, undesirableWeight);
  }

  TruncationConfig truncation() {
    return new TruncationConfig(maxLength, maxPromptLength, truncationMode, dropOverlong);
  }
}
