package dev.feedloop.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsAndReportTest {
  @TempDir Path directory;

  private static List<StepMetrics> run() {
    List<StepMetrics> rows = new ArrayList<>();
    for (int step = 1; step <= 30; step++) {
      double loss = 0.693 * Math.exp(-step / 10.0);
      rows.add(
          new StepMetrics(
              step,
              step / 30.0,
              StepMetrics.TRAIN,
              Map.of(
                  "loss",
                  loss,
                  "rewards/margins",
                  0.05 * step,
                  "rewards/accuracies",
                  Math.min(1.0, 0.5 + step / 40.0),
                  "learning_rate",
                  1e-4)));
      if (step % 10 == 0) {
        rows.add(
            new StepMetrics(
                step,
                step / 30.0,
                StepMetrics.EVAL,
                Map.of(
                    "loss",
                    loss + 0.05,
                    "rewards/margins",
                    0.04 * step,
                    "rewards/accuracies",
                    0.5 + step / 60.0)));
      }
    }
    return rows;
  }

  @Test
  void metricsJsonlRoundTripsAndAppends() {
    Path file = directory.resolve("metrics.jsonl");
    List<StepMetrics> rows = run();
    try (MetricsJsonl writer = MetricsJsonl.append(file)) {
      rows.subList(0, 10).forEach(writer::write);
    }
    try (MetricsJsonl writer = MetricsJsonl.append(file)) {
      rows.subList(10, rows.size()).forEach(writer::write);
    }
    List<StepMetrics> back = MetricsJsonl.read(file);
    assertThat(back).hasSize(rows.size());
    assertThat(back.get(0).values()).containsEntry("rewards/margins", 0.05).containsKey("loss");
    assertThat(back.get(back.size() - 1).split()).isEqualTo(StepMetrics.EVAL);
    assertThat(back.get(back.size() - 1).value("rewards/accuracies")).isEqualTo(1.0);
  }

  @Test
  void accumulatorAveragesWhatEachBatchReported() {
    MetricsAccumulator accumulator = new MetricsAccumulator();
    accumulator.add(Map.of("loss", 1.0, "rewards/chosen", 0.2));
    accumulator.add(
        Map.of("loss", 3.0)); // a KTO batch without desirable records has no rewards/chosen
    Map<String, Double> means = accumulator.drain();
    assertThat(means).containsEntry("loss", 2.0).containsEntry("rewards/chosen", 0.2);
    assertThat(accumulator.isEmpty()).isTrue();
  }

  @Test
  void reportHasPlotsAndAPage() throws IOException {
    Path index = TrainingReport.write(run(), directory.resolve("report"), "DPO <tiny>");
    for (String stem : List.of("loss", "margins", "accuracies")) {
      BufferedImage image = ImageIO.read(directory.resolve("report/" + stem + ".png").toFile());
      assertThat(image.getWidth()).isEqualTo(800);
      assertThat(image.getHeight()).isEqualTo(450);
      assertThat(Files.readString(directory.resolve("report/" + stem + ".svg"))).contains("<svg");
    }
    String html = Files.readString(index);
    assertThat(html)
        .contains(
            "<img src=\"loss.png\"", "<img src=\"margins.png\"", "<img src=\"accuracies.png\"")
        .contains("DPO &lt;tiny&gt;")
        .contains("Last eval metrics (step 30)");
  }

  @Test
  void progressLinesShowLossAndMargin() {
    List<String> lines = new ArrayList<>();
    try (TrainingProgress progress = TrainingProgress.toLines("dpo", 3, lines::add)) {
      progress.step(Map.of("loss", 0.6931, "rewards/margins", 0.0123));
      progress.step(Map.of("loss", 0.5));
      progress.step(Map.of("loss", 0.4, "rewards/margins", 0.2, "rewards/accuracies", 0.75));
      assertThat(progress.current()).isEqualTo(3);
    }
    String last = lines.get(lines.size() - 1);
    assertThat(last)
        .contains("dpo")
        .contains("3/3")
        .contains("loss 0.4000 margin 0.2000 acc 0.7500");
    assertThat(TrainingProgress.describe(Map.of("loss", 0.6931471, "rewards/margins", Double.NaN)))
        .isEqualTo("loss 0.6931");
  }

  @Test
  void windowRunsGetPerWindowCurvesAndOutcomeCounts() throws IOException {
    List<StepMetrics> windows =
        List.of(
            window(1, Map.of("adapter_version", 1.0, "records/trained", 9.0, "loss", 0.69)),
            window(2, Map.of("records/trained", 9.0, "loss", 0.71, "heldout/kl", 0.02)),
            window(3, Map.of("records/trained", 0.0)),
            window(4, Map.of("adapter_version", 2.0, "records/trained", 9.0, "loss", 0.6)));

    assertThat(TrainingReport.outcomes(windows)).containsExactly(2, 1, 1);
    assertThat(TrainingReport.windowSeries(windows, "refused windows"))
        .extracting(p -> p[1])
        .containsExactly(0.0, 1.0, 1.0, 1.0);
    Path index = TrainingReport.write(windows, directory.resolve("windows"), "replay");
    assertThat(Files.readString(index))
        .contains("4 windows: 2 accepted, 1 refused, 1 skipped", "Last window metrics")
        .contains("<img src=\"window-loss.png\"", "<img src=\"window-outcomes.png\"");
    assertThat(directory.resolve("windows/window-kl.svg")).exists();

    Path comparison =
        TrainingReport.writeComparison(
            Map.of("a", windows), directory.resolve("comparison"), "sweep");
    assertThat(Files.readString(comparison)).contains("<td>a</td><td>4</td><td>2</td><td>1</td>");
  }

  private static StepMetrics window(int number, Map<String, Double> values) {
    Map<String, Double> all = new java.util.LinkedHashMap<>(values);
    all.put("window", (double) number);
    all.put("heldout/accuracy", 0.5 + number / 10.0);
    return new StepMetrics(number * 2L, number / 4.0, StepMetrics.WINDOW, all);
  }
}
