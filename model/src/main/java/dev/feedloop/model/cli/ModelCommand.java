package dev.feedloop.model.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code model chat ...} and {@code model bench ...}. */
@Command(
    name = "model",
    mixinStandardHelpOptions = true,
    subcommands = {ChatCommand.class, BenchCommand.class},
    description =
        "Chat with a Hugging Face model directory, or benchmark the forward and backward pass.")
public final class ModelCommand {

  public static void main(String[] args) {
    System.exit(new CommandLine(new ModelCommand()).execute(args));
  }
}
