package dev.feedloop.model.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The shared --model/--device/--seed options as the model's own commands present them. */
class ModelCommandTest {

  private record Outcome(int exitCode, String out, String err) {}

  private static Outcome run(String... args) {
    CommandLine commandLine = new CommandLine(new ModelCommand());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    commandLine.setOut(new PrintWriter(out));
    commandLine.setErr(new PrintWriter(err));
    int exitCode = commandLine.execute(args);
    return new Outcome(exitCode, out.toString(), err.toString());
  }

  @Test
  void chatRequiresAModelAndOffersDeviceAndSeed() {
    Outcome help = run("chat", "--help");
    assertThat(help.out())
        .contains("--model=DIR", "Hugging Face model directory", "--device=DEVICE", "--seed=N")
        .contains("(default: auto)", "(default: 42)");
    assertThat(help.out()).doesNotContain("[--model=DIR]");

    Outcome missing = run("chat", "--prompt", "hi");
    assertThat(missing.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
    assertThat(missing.err()).contains("Missing required option: '--model=DIR'");
  }

  @Test
  void benchTakesAModelOnlyIfGiven() {
    Outcome help = run("bench", "--help");
    assertThat(help.out())
        .contains("[--model=DIR]", "Hugging Face model directory", "--device=DEVICE", "--seed=N");
  }

  @Test
  void chatAnswersReproduciblyForASeed() throws Exception {
    Path model = Path.of("..", "models", "tiny-chat");
    String first = chat(model, "7");
    assertThat(first).isNotBlank().isEqualTo(chat(model, "7"));
  }

  /** ChatCommand prints answers to System.out, like the interactive console it is. */
  private static String chat(Path model, String seed) {
    PrintStream console = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      Outcome outcome =
          run(
              "chat",
              "--model",
              model.toString(),
              "--prompt",
              "Who are you?",
              "--temperature",
              "1.0",
              "--seed",
              seed,
              "-n",
              "3");
      assertThat(outcome.exitCode()).as(outcome.err()).isZero();
    } finally {
      System.setOut(console);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }
}
