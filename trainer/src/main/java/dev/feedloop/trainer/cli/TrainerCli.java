package dev.feedloop.trainer.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code feedloop-trainer}: offline preference training, evaluation and data import, publishing
 * existing feedback into the loop's topics, the online trainer and its replays.
 */
@Command(
    name = "feedloop-trainer",
    mixinStandardHelpOptions = true,
    version = "feedloop-trainer 0.1.0",
    description = "Preference optimization (DPO, IPO, KTO, SimPO, ORPO, ...) of LoRA adapters.",
    subcommands = {
      ImportCommand.class,
      PublishCommand.class,
      TrainCommand.class,
      EvalCommand.class,
      ReportCommand.class,
      TinyDataCommand.class,
      TinyModelCommand.class,
      BenchCommand.class,
      OnlineCommand.class,
      ReplayCommand.class,
      CommandLine.HelpCommand.class
    })
public final class TrainerCli {
  /**
   * Exit code when a command fails for a reason the user can fix (bad data in strict mode, no model
   * backend).
   */
  public static final int USAGE_FAILURE = 2;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  public static int run(String... args) {
    return commandLine().execute(args);
  }

  public static CommandLine commandLine() {
    CommandLine commandLine = new CommandLine(new TrainerCli());
    commandLine.setExecutionExceptionHandler(
        (error, cli, parseResult) -> {
          cli.getErr().println("error: " + error.getMessage());
          return USAGE_FAILURE;
        });
    return commandLine;
  }
}
