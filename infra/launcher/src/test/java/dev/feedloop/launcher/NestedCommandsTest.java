package dev.feedloop.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The model's and the trainer's own command lines as {@code feedloop model|trainer ...}. */
class NestedCommandsTest {

  /** The shipped model, seen from this module's directory. */
  private static final String SHIPPED_MODEL = "../../models/tiny-chat";

  @TempDir Path directory;

  private record Outcome(int exitCode, String out, String err) {}

  @Test
  void everyCommandIsListedAtTheTop() {
    Outcome help = run("--help");

    assertThat(help.exitCode()).isZero();
    assertThat(help.out())
        .containsPattern("(?m)^  serve ")
        .containsPattern("(?m)^  streams ")
        .containsPattern("(?m)^  train ")
        .containsPattern("(?m)^  users ")
        .containsPattern("(?m)^  model ")
        .containsPattern("(?m)^  trainer ");
  }

  @Test
  void trainerHelpListsTheTrainersCommandsUnderItsNewName() {
    Outcome help = run("trainer", "--help");

    assertThat(help.exitCode()).as(help.err()).isZero();
    assertThat(help.out()).startsWith("Usage: feedloop trainer ");
    for (String command :
        new String[] {
          "import",
          "train",
          "eval",
          "report",
          "replay",
          "bench",
          "publish",
          "online",
          "tiny-data",
          "tiny-model"
        }) {
      assertThat(help.out()).containsPattern("(?m)^  " + command + " ");
    }
  }

  @Test
  void helpWorksOnEveryLevel() {
    Outcome report = run("trainer", "report", "--help");
    assertThat(report.exitCode()).isZero();
    assertThat(report.out()).startsWith("Usage: feedloop trainer report ").contains("--metrics");

    Outcome publish = run("trainer", "publish", "records", "--help");
    assertThat(publish.exitCode()).isZero();
    assertThat(publish.out()).startsWith("Usage: feedloop trainer publish records ");

    Outcome chat = run("model", "chat", "--help");
    assertThat(chat.exitCode()).isZero();
    assertThat(chat.out()).startsWith("Usage: feedloop model chat ").contains("--model");
  }

  @Test
  void modelHelpListsChatAndBench() {
    Outcome help = run("model", "--help");

    assertThat(help.exitCode()).as(help.err()).isZero();
    assertThat(help.out())
        .startsWith("Usage: feedloop model ")
        .containsPattern("(?m)^  chat ")
        .containsPattern("(?m)^  bench ");
  }

  @Test
  void trainerEvalScoresPairsWithTheShippedModel() throws IOException {
    Path data = directory.resolve("pairs.jsonl");
    Files.writeString(
        data,
        """
        {"prompt": "Who are you?", "chosen": "I am Athene, glad to help.", "rejected": "A bot."}
        {"prompt": "Say hello.", "chosen": "Hello! How can I help you?", "rejected": "hi"}
        """);

    Outcome eval = run("trainer", "eval", "--data", data.toString(), "--model", SHIPPED_MODEL);

    assertThat(eval.exitCode()).as(eval.err()).isZero();
    // no adapter: the policy is its own reference, every margin 0 and the DPO loss log 2
    assertThat(eval.out())
        .contains("records: 2.000000", "loss: 0.693147")
        .containsPattern("rewards/margins: -?0\\.000000");
  }

  @Test
  void theTrainersExitCodesAndMessagesComeThrough() throws IOException {
    Path input = directory.resolve("bad.jsonl");
    Files.writeString(
        input, "{\"prompt\": \"Q\", \"chosen\": \"A\", \"rejected\": \"B\"}\n{oops\n");

    Outcome strict =
        run(
            "trainer",
            "import",
            input.toString(),
            "-o",
            directory.resolve("out.jsonl").toString(),
            "--strict");
    assertThat(strict.exitCode()).isEqualTo(2);
    assertThat(strict.err()).contains(input + ":2: malformed");

    Outcome unknown = run("trainer", "no-such-command");
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.err()).contains("Unmatched argument", "no-such-command");

    Outcome bare = run("model");
    assertThat(bare.exitCode()).isEqualTo(2);
    assertThat(bare.err()).contains("Missing required subcommand");
  }

  private static Outcome run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode =
        new CommandLine(new FeedloopCommand(Map.of()))
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(args);
    return new Outcome(exitCode, out.toString(), err.toString());
  }
}
