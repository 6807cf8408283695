package dev.feedloop.trainer.cli;

import dev.feedloop.trainer.run.MetricsJsonl;
import dev.feedloop.trainer.run.TrainingReport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description =
        "Plot a run's metrics.jsonl (loss, margins, accuracies) as PNG/SVG and an index.html.")
final class ReportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--metrics", required = true, description = "The run's metrics.jsonl.")
  Path metrics;

  @Option(
      names = {"-o", "--output"},
      required = true,
      description = "Directory for the plots and index.html.")
  Path output;

  @Option(
      names = "--title",
      defaultValue = "feedloop training run",
      description = "(default: ${DEFAULT-VALUE})")
  String title;

  @Override
  public Integer call() {
    Path index = TrainingReport.write(MetricsJsonl.read(metrics), output, title);
    spec.commandLine().getOut().println("report: " + index);
    return 0;
  }
}
