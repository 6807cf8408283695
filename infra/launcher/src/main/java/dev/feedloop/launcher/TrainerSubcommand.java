package dev.feedloop.launcher;

import dev.feedloop.trainer.cli.TrainerCli;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code feedloop trainer import|train|eval|...}: the trainer module's command line. */
@Command(
    name = "trainer",
    modelTransformer = NestedCommand.PassArgumentsThrough.class,
    description = {
      "The trainer's commands: import, offline train, eval, report, replay, bench, publish, ...",
      "`feedloop train` is the online trainer as a service; `feedloop trainer online` is the",
      "same trainer with its most common settings as options."
    })
final class TrainerSubcommand extends NestedCommand {
  @Override
  CommandLine nested() {
    return TrainerCli.commandLine();
  }
}
