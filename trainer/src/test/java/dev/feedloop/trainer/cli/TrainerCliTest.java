package dev.feedloop.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.synthetic.HiddenPreference;
import dev.feedloop.trainer.data.CanonicalJsonl;
import dev.feedloop.trainer.data.ImportResult;
import dev.feedloop.trainer.run.MetricsJsonl;
import dev.feedloop.trainer.run.StepMetrics;
import dev.feedloop.trainer.tiny.CorpusPairs;
import dev.feedloop.trainer.tiny.ShippedModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TrainerCliTest {
  @TempDir Path directory;

  private record Outcome(int exitCode, String out, String err) {}

  private static Outcome run(String... args) {
    CommandLine commandLine = TrainerCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    commandLine.setOut(new PrintWriter(out));
    commandLine.setErr(new PrintWriter(err));
    int exitCode = commandLine.execute(args);
    return new Outcome(exitCode, out.toString(), err.toString());
  }

  @Test
  void importConvertsValidatesAndPrintsCountsByReason() throws IOException {
    Path input = directory.resolve("hh.jsonl");
    Files.writeString(
        input,
        String.join(
            "\n",
            "{\"chosen\": \"\\n\\nHuman: Who are you?\\n\\nAssistant: I am Athene, glad to help!\", \"rejected\": \"\\n\\nHuman: Who are you?\\n\\nAssistant: A bot.\"}",
            "{\"chosen\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hello!\", \"rejected\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hello!\"}",
            "not json",
            ""));
    Path output = directory.resolve("canonical.jsonl");
    Outcome outcome = run("import", input.toString(), "-o", output.toString(), "--to", "UNARY");
    assertThat(outcome.exitCode()).as(outcome.err()).isZero();
    assertThat(outcome.out())
        .contains(
            "format hh_rlhf",
            "records read: 3",
            "identical-pair: 1",
            "malformed: 1",
            input + ":3: malformed: invalid JSON",
            "wrote 0 pairs and 2 unary records");
    ImportResult written = CanonicalJsonl.read(output);
    assertThat(written.unary()).hasSize(2);
    assertThat(written.unary().get(0).getCompletion()).isEqualTo("I am Athene, glad to help!");
  }

  @Test
  void strictImportFailsWithFileAndLine() throws IOException {
    Path input = directory.resolve("bad.jsonl");
    Files.writeString(
        input, "{\"prompt\": \"Q\", \"chosen\": \"A\", \"rejected\": \"B\"}\n{oops\n");
    Outcome outcome =
        run(
            "import",
            input.toString(),
            "-o",
            directory.resolve("out.jsonl").toString(),
            "--strict");
    assertThat(outcome.exitCode()).isEqualTo(TrainerCli.USAGE_FAILURE);
    assertThat(outcome.err()).contains(input + ":2: malformed");
  }

  @Test
  void trainIsReproducibleToTheByteAndEvalReadsTheAdapter() throws IOException {
    Path data = directory.resolve("pairs.jsonl");
    CanonicalJsonl.write(
        data, CorpusPairs.forPreference(4, 40, HiddenPreference.demo()), List.of());
    Path cache = directory.resolve("reference-cache");
    byte[][] adapters = new byte[2][];
    long[] cacheBytes = new long[2];
    for (int run = 0; run < 2; run++) {
      Path output = directory.resolve("run" + run);
      Outcome outcome =
          run(
              "train",
              "--data",
              data.toString(),
              "--model",
              ShippedModel.directory().toString(),
              "-o",
              output.toString(),
              "--max-steps",
              "3",
              "--batch-size",
              "4",
              "--lora-rank",
              "4",
              "--lora-dropout",
              "0.1",
              "--learning-rate",
              "1e-2",
              "--seed",
              "9",
              "--reference-cache",
              cache.toString());
      assertThat(outcome.exitCode()).as(outcome.err()).isZero();
      assertThat(outcome.out()).contains("after 3 steps");
      adapters[run] = Files.readAllBytes(output.resolve("adapter/adapter_model.safetensors"));
      assertThat(output.resolve("metrics.jsonl")).exists();
      assertThat(output.resolve("report/index.html")).exists();
      try (var files = Files.list(cache)) {
        cacheBytes[run] = files.mapToLong(file -> file.toFile().length()).sum();
      }
    }
    // the second run found all 80 reference log-probs (40 pairs, chosen and rejected) on disk:
    // nothing appended
    assertThat(cacheBytes[1]).isEqualTo(cacheBytes[0]).isGreaterThan(80L * 36);
    // and training on cached reference log-probs gives the bytes that training on computed ones
    // gave
    assertThat(adapters[1]).isEqualTo(adapters[0]);

    Outcome other =
        run(
            "train",
            "--data",
            data.toString(),
            "--model",
            ShippedModel.directory().toString(),
            "-o",
            directory.resolve("other").toString(),
            "--max-steps",
            "3",
            "--batch-size",
            "4",
            "--lora-rank",
            "4",
            "--lora-dropout",
            "0.1",
            "--learning-rate",
            "1e-2",
            "--seed",
            "10");
    assertThat(other.exitCode()).as(other.err()).isZero();
    assertThat(Files.readAllBytes(directory.resolve("other/adapter/adapter_model.safetensors")))
        .isNotEqualTo(adapters[0]);

    // an iterative round: the policy starts as the previous adapter, so its first step sees zero
    // rewards
    // (without LoRA dropout, which would make the training-mode policy differ from the reference)
    Path round1 = directory.resolve("round1");
    Path round2 = directory.resolve("round2");
    assertThat(
            run(
                    "train",
                    "--data",
                    data.toString(),
                    "--model",
                    ShippedModel.directory().toString(),
                    "-o",
                    round1.toString(),
                    "--max-steps",
                    "2",
                    "--batch-size",
                    "4",
                    "--learning-rate",
                    "1e-2")
                .exitCode())
        .isZero();
    Outcome next =
        run(
            "train",
            "--data",
            data.toString(),
            "--model",
            ShippedModel.directory().toString(),
            "-o",
            round2.toString(),
            "--max-steps",
            "2",
            "--batch-size",
            "4",
            "--learning-rate",
            "1e-2",
            "--reference",
            "PREVIOUS",
            "--reference-adapter",
            round1.resolve("adapter").toString());
    assertThat(next.exitCode()).as(next.err()).isZero();
    StepMetrics firstStep = MetricsJsonl.read(round2.resolve("metrics.jsonl")).get(0);
    assertThat(firstStep.value("rewards/margins"))
        .isCloseTo(0.0, org.assertj.core.api.Assertions.within(1e-5));
    assertThat(firstStep.value("loss"))
        .isCloseTo(Math.log(2), org.assertj.core.api.Assertions.within(1e-5));

    Outcome eval =
        run(
            "eval",
            "--data",
            data.toString(),
            "--model",
            ShippedModel.directory().toString(),
            "--adapter",
            directory.resolve("run0/adapter").toString());
    assertThat(eval.exitCode()).as(eval.err()).isZero();
    assertThat(eval.out())
        .contains("rewards/accuracies: ", "rewards/margins: ", "loss: ", "records: 40.0");
  }

  @Test
  void trainsKtoOnPairsSplitIntoUnaryRecords() throws IOException {
    Path data = directory.resolve("pairs.jsonl");
    CanonicalJsonl.write(
        data, CorpusPairs.forPreference(5, 24, HiddenPreference.demo()), List.of());
    Path output = directory.resolve("kto");
    Outcome outcome =
        run(
            "train",
            "--data",
            data.toString(),
            "--model",
            ShippedModel.directory().toString(),
            "-o",
            output.toString(),
            "--loss",
            "kto",
            "--max-steps",
            "2",
            "--batch-size",
            "8",
            "--eval-fraction",
            "0.25");
    assertThat(outcome.exitCode()).as(outcome.err()).isZero();
    List<StepMetrics> rows = MetricsJsonl.read(output.resolve("metrics.jsonl"));
    assertThat(rows).anyMatch(row -> row.split().equals(StepMetrics.TRAIN) && row.value("kl") >= 0);
    assertThat(rows)
        .anyMatch(
            row -> row.split().equals(StepMetrics.EVAL) && Double.isFinite(row.value("loss")));
  }

  @Test
  void trainFailsClearlyOnAMissingDataFile() {
    Outcome outcome =
        run(
            "train",
            "--data",
            directory.resolve("missing.jsonl").toString(),
            "--model",
            ShippedModel.directory().toString(),
            "-o",
            directory.resolve("x").toString());
    assertThat(outcome.exitCode()).isEqualTo(TrainerCli.USAGE_FAILURE);
    assertThat(outcome.err()).contains("missing.jsonl");
  }

  @Test
  void trainValidatesHyperparametersBeforeAnythingElse() {
    Outcome outcome =
        run(
            "train",
            "--data",
            "pairs.jsonl",
            "--model",
            "m",
            "-o",
            "o",
            "--label-smoothing",
            "0.7");
    assertThat(outcome.exitCode()).isEqualTo(TrainerCli.USAGE_FAILURE);
    assertThat(outcome.err()).contains("label smoothing must be in [0, 0.5)");
    Outcome previous =
        run("train", "--data", "pairs.jsonl", "--model", "m", "-o", "o", "--reference", "PREVIOUS");
    assertThat(previous.exitCode()).isEqualTo(TrainerCli.USAGE_FAILURE);
    assertThat(previous.err()).contains("reference=previous needs the previous adapter");
  }

  @Test
  void trainDeclaresEveryHyperparameter() {
    Outcome help = run("train", "--help");
    assertThat(help.out())
        .contains(
            "--loss",
            "--beta",
            "--label-smoothing",
            "--simpo-gamma",
            "--desirable-weight",
            "--undesirable-weight",
            "--learning-rate",
            "--weight-decay",
            "--warmup-steps",
            "--warmup-ratio",
            "--schedule",
            "--epochs",
            "--batch-size",
            "--grad-accumulation",
            "--max-grad-norm",
            "--seed",
            "--max-length",
            "--max-prompt-length",
            "--truncation-mode",
            "--eval-fraction",
            "--lora-rank",
            "--lora-alpha",
            "--lora-dropout",
            "--lora-targets",
            "--reference",
            "--reference-adapter",
            "--reference-cache",
            "--prompt-format");
  }

  @Test
  void thePromptFormatIsAVisibleChoiceWithItsDefaultStated() {
    for (String command : List.of("train", "eval", "import")) {
      String help = run(command, "--help").out().replaceAll("\\s+", " ");
      assertThat(help).as(command).contains("--prompt-format", "chat", "raw", "(default: chat)");
    }
    Outcome wrong = run("import", "--prompt-format", "jinja", "-o", "x.jsonl", "in.jsonl");
    assertThat(wrong.exitCode()).isNotZero();
    assertThat(wrong.err()).contains("jinja", "chat or raw");
  }

  @Test
  void reportPlotsAMetricsFile() throws IOException {
    Path metrics = directory.resolve("metrics.jsonl");
    Files.writeString(
        metrics,
        """
                {"step":1,"epoch":0.1,"split":"train","loss":0.69,"rewards/margins":0.0,"rewards/accuracies":0.5}
                {"step":2,"epoch":0.2,"split":"train","loss":0.60,"rewards/margins":0.1,"rewards/accuracies":0.7}
                """);
    Outcome outcome =
        run(
            "report",
            "--metrics",
            metrics.toString(),
            "-o",
            directory.resolve("report").toString());
    assertThat(outcome.exitCode()).as(outcome.err()).isZero();
    assertThat(directory.resolve("report/loss.png")).exists();
    assertThat(directory.resolve("report/index.html")).exists();
  }
}
