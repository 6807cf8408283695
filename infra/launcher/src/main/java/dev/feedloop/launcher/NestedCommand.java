package dev.feedloop.launcher;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * A module's own command line (the model's, the trainer's) as one subcommand of {@code feedloop}:
 * every argument after the subcommand's name goes to that command line unchanged, which parses,
 * helps and fails as it does on its own (its exit codes and error handling included). Only its name
 * changes, so its usage reads {@code feedloop trainer report ...}.
 */
abstract class NestedCommand implements Callable<Integer> {

  /** Everything after the subcommand's name, in order: see {@link PassArgumentsThrough}. */
  @Unmatched List<String> arguments = new ArrayList<>();

  @Spec CommandSpec spec;

  /** The module's command line, as its own main builds it. */
  abstract CommandLine nested();

  @Override
  public Integer call() {
    CommandLine nested = nested();
    nested.setCommandName(spec.qualifiedName());
    nested.setOut(spec.commandLine().getOut());
    nested.setErr(spec.commandLine().getErr());
    return nested.execute(arguments.toArray(String[]::new));
  }

  /**
   * The first argument this command does not know (it declares none, so the first of all) and every
   * one after it go to {@link #arguments}: {@code --help} and the nested subcommands included.
   */
  static final class PassArgumentsThrough implements CommandLine.IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
      spec.parser().stopAtUnmatched(true);
      return spec;
    }
  }
}
