package dev.feedloop.launcher;

import dev.feedloop.model.cli.ModelCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code feedloop model chat|bench}: the model module's command line. */
@Command(
    name = "model",
    modelTransformer = NestedCommand.PassArgumentsThrough.class,
    description = {
      "The model's commands: chat with a model directory (and an adapter), or benchmark it.",
      "Forward, backward and decode throughput against a matmul peak measured in the same run."
    })
final class ModelSubcommand extends NestedCommand {
  @Override
  CommandLine nested() {
    return new CommandLine(new ModelCommand());
  }
}
