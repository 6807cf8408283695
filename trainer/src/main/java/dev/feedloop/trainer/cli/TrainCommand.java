package dev.feedloop.trainer.cli;

import dev.feedloop.model.cli.ModelOptions;
import dev.feedloop.model.lora.LoraConfig;
import dev.feedloop.trainer.backend.LoraPreferenceTrainer;
import dev.feedloop.trainer.data.DatasetFormat;
import dev.feedloop.trainer.optim.AdamWConfig;
import dev.feedloop.trainer.optim.ScheduleType;
import dev.feedloop.trainer.run.TrainingConfig;
import dev.feedloop.trainer.run.TrainingSummary;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description =
        "Train a LoRA adapter on preference data; writes the adapter, metrics.jsonl and a report.")
final class TrainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ModelOptions model;

  @Mixin ObjectiveOptions objective;

  @Option(names = "--data", required = true, split = ",", description = "Preference data files.")
  List<Path> data;

  @Option(
      names = {"-o", "--output"},
      required = true,
      description = "Output directory for the adapter, metrics and report.")
  Path output;

  @Option(
      names = "--learning-rate",
      defaultValue = "5e-4",
      description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
  double learningRate;

  @Option(
      names = "--weight-decay",
      defaultValue = "0.0",
      description = "Decoupled AdamW weight decay (default: ${DEFAULT-VALUE}).")
  double weightDecay;

  @Option(names = "--adam-beta1", defaultValue = "0.9", description = "(default: ${DEFAULT-VALUE})")
  double adamBeta1;

  @Option(
      names = "--adam-beta2",
      defaultValue = "0.999",
      description = "(default: ${DEFAULT-VALUE})")
  double adamBeta2;

  @Option(
      names = "--adam-epsilon",
      defaultValue = "1e-8",
      description = "(default: ${DEFAULT-VALUE})")
  double adamEpsilon;

  @Option(
      names = "--warmup-steps",
      defaultValue = "0",
      description = "Warmup optimizer steps; 0 uses --warmup-ratio (default: ${DEFAULT-VALUE}).")
  int warmupSteps;

  @Option(
      names = "--warmup-ratio",
      defaultValue = "0.1",
      description = "Warmup as a fraction of all steps (default: ${DEFAULT-VALUE}).")
  double warmupRatio;

  @Option(
      names = "--schedule",
      defaultValue = "COSINE",
      description = "CONSTANT, LINEAR or COSINE after warmup (default: ${DEFAULT-VALUE}).")
  ScheduleType schedule;

  @Option(names = "--epochs", defaultValue = "1", description = "(default: ${DEFAULT-VALUE})")
  int epochs;

  @Option(
      names = "--max-steps",
      defaultValue = "0",
      description =
          "Stop after this many optimizer steps, 0 = all epochs (default: ${DEFAULT-VALUE}).")
  int maxSteps;

  @Option(
      names = "--grad-accumulation",
      defaultValue = "1",
      description = "Micro-batches per optimizer step (default: ${DEFAULT-VALUE}).")
  int gradAccumulation;

  @Option(
      names = "--max-grad-norm",
      defaultValue = "1.0",
      description = "Clip the global gradient norm, 0 = off (default: ${DEFAULT-VALUE}).")
  double maxGradNorm;

  @Option(
      names = "--eval-fraction",
      defaultValue = "0.1",
      description = "Held-out share of the data (default: ${DEFAULT-VALUE}).")
  double evalFraction;

  @Option(
      names = "--eval-steps",
      defaultValue = "0",
      description = "Evaluate every N optimizer steps, 0 = each epoch (default: ${DEFAULT-VALUE}).")
  int evalSteps;

  @Option(
      names = "--logging-steps",
      defaultValue = "1",
      description = "Write metrics every N optimizer steps (default: ${DEFAULT-VALUE}).")
  int loggingSteps;

  @Option(names = "--lora-rank", defaultValue = "8", description = "(default: ${DEFAULT-VALUE})")
  int loraRank;

  @Option(names = "--lora-alpha", defaultValue = "16", description = "(default: ${DEFAULT-VALUE})")
  double loraAlpha;

  @Option(
      names = "--lora-dropout",
      defaultValue = "0.0",
      description = "(default: ${DEFAULT-VALUE})")
  double loraDropout;

  @Option(
      names = "--lora-targets",
      split = ",",
      defaultValue = "q_proj,k_proj,v_proj,o_proj",
      description =
          "Projections to adapt: q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj (default: ${DEFAULT-VALUE}).")
  List<String> loraTargets;

  TrainingConfig config() {
    DatasetFormat format =
        objective.format.equalsIgnoreCase("auto") ? null : DatasetFormat.parse(objective.format);
    return TrainingConfig.builder()
        .dataFiles(data)
        .format(format)
        .promptFormat(objective.promptFormat())
        .modelDirectory(model.model())
        .outputDirectory(output)
        .loss(objective.lossConfig())
        .learningRate(learningRate)
        .optimizer(new AdamWConfig(adamBeta1, adamBeta2, adamEpsilon, weightDecay))
        .warmupSteps(warmupSteps)
        .warmupRatio(warmupRatio)
        .schedule(schedule)
        .epochs(epochs)
        .maxSteps(maxSteps)
        .batchSize(objective.batchSize)
        .gradientAccumulation(gradAccumulation)
        .maxGradNorm(maxGradNorm)
        .seed(model.seed())
        .truncation(objective.truncation())
        .evalFraction(evalFraction)
        .evalSteps(evalSteps)
        .loggingSteps(loggingSteps)
        .lora(LoraConfig.of(loraRank, loraAlpha, loraDropout, loraTargets))
        .reference(objective.reference)
        .referenceAdapter(objective.referenceAdapter)
        .referenceCacheDirectory(objective.referenceCache)
        .device(model.deviceName())
        .build();
  }

  @Override
  public Integer call() {
    TrainingConfig config = config(); // validate every option before loading anything
    TrainingSummary summary = new LoraPreferenceTrainer().train(config);
    spec.commandLine()
        .getOut()
        .println(
            "adapter: "
                + summary.adapterDirectory()
                + " after "
                + summary.optimizerSteps()
                + " steps; last eval "
                + summary.lastEvalMetrics()
                + "; report "
                + summary.report());
    return 0;
  }
}
