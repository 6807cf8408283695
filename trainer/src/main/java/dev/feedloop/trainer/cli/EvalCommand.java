package dev.feedloop.trainer.cli;

import dev.feedloop.model.cli.ModelOptions;
import dev.feedloop.trainer.backend.LoraPreferenceTrainer;
import dev.feedloop.trainer.data.DatasetFormat;
import dev.feedloop.trainer.run.EvaluationConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    modelTransformer = ModelOptions.NoSeed.class,
    description =
        "Preference metrics (loss, rewards/accuracies, rewards/margins, ...) of an adapter on a data file.")
final class EvalCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ModelOptions model;

  @Mixin ObjectiveOptions objective;

  @Option(names = "--data", required = true, split = ",", description = "Preference data files.")
  List<Path> data;

  @Option(
      names = "--adapter",
      description = "Adapter directory (PEFT layout); without it the base model is evaluated.")
  Path adapter;

  @Option(
      names = "--metrics-output",
      description = "Also write the metrics as one JSONL line here.")
  Path metricsOutput;

  EvaluationConfig config() {
    DatasetFormat format =
        objective.format.equalsIgnoreCase("auto") ? null : DatasetFormat.parse(objective.format);
    return EvaluationConfig.builder()
        .dataFiles(data)
        .format(format)
        .promptFormat(objective.promptFormat())
        .modelDirectory(model.model())
        .adapter(adapter)
        .loss(objective.lossConfig())
        .batchSize(objective.batchSize)
        .truncation(objective.truncation())
        .reference(objective.reference)
        .referenceAdapter(objective.referenceAdapter)
        .referenceCacheDirectory(objective.referenceCache)
        .metricsOutput(metricsOutput)
        .device(model.deviceName())
        .build();
  }

  @Override
  public Integer call() {
    EvaluationConfig config = config();
    Map<String, Double> metrics = new LoraPreferenceTrainer().evaluate(config);
    metrics.forEach((name, value) -> spec.commandLine().getOut().printf("%s: %.6f%n", name, value));
    return 0;
  }
}
