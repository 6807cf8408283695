package dev.feedloop.trainer.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A run report from the metrics JSONL: PNG and SVG plots of loss, reward margins and reward
 * accuracies over steps (train and eval series), and an index.html that shows them with a table of
 * the last values. Runs of windows (a replay of the online trainer) add per-window curves: held-out
 * preference accuracy of the candidate and of the live adapter, training and held-out loss, KL to
 * the reference, and accepted / refused windows. {@link #writeComparison} draws several runs side
 * by side (a sweep).
 */
public final class TrainingReport {
  /** One plot: a file name stem, a title, and the metric it draws. */
  public record Plot(String fileStem, String title, String metric) {}

  public static final List<Plot> DEFAULT_PLOTS =
      List.of(
          new Plot("loss", "Loss", "loss"),
          new Plot("margins", "Reward margin (chosen - rejected)", "rewards/margins"),
          new Plot("accuracies", "Reward accuracy", "rewards/accuracies"));

  /** One curve per window: the metrics it draws, each a series, over the window number. */
  public record WindowPlot(String fileStem, String title, String yAxis, List<String> metrics) {}

  /** Cumulative counts of the windows' outcomes, drawn as series named like these. */
  static final String ACCEPTED_WINDOWS = "accepted windows";

  static final String REFUSED_WINDOWS = "refused windows";

  public static final List<WindowPlot> WINDOW_PLOTS =
      List.of(
          new WindowPlot(
              "window-heldout-accuracy",
              "Held-out preference accuracy per window",
              "heldout/accuracy",
              List.of("heldout/accuracy", "heldout/live_accuracy")),
          new WindowPlot("window-loss", "Loss per window", "loss", List.of("loss", "eval_loss")),
          new WindowPlot(
              "window-kl", "KL to the reference per window", "heldout/kl", List.of("heldout/kl")),
          new WindowPlot(
              "window-outcomes",
              "Accepted and refused windows (cumulative)",
              "windows",
              List.of(ACCEPTED_WINDOWS, REFUSED_WINDOWS)));

  private TrainingReport() {}

  /** The value a window row draws for {@code metric}, outcome counts included. */
  private static double windowValue(StepMetrics row, String metric, double[] outcomes) {
    return switch (metric) {
      case ACCEPTED_WINDOWS -> outcomes[0];
      case REFUSED_WINDOWS -> outcomes[1];
      default -> row.value(metric);
    };
  }

  /**
   * Series of {@code metric} over the window number, over the rows of split "window"; outcome
   * counts are cumulative.
   */
  static List<double[]> windowSeries(List<StepMetrics> metrics, String metric) {
    List<double[]> points = new ArrayList<>();
    double[] outcomes = new double[3];
    for (StepMetrics row : metrics) {
      int outcome = outcome(row);
      if (outcome < 0) {
        continue;
      }
      outcomes[outcome]++;
      double value = windowValue(row, metric, outcomes);
      if (Double.isFinite(value)) {
        points.add(new double[] {row.value("window"), value});
      }
    }
    return points;
  }

  /** Windows accepted, refused and skipped. */
  public static int[] outcomes(List<StepMetrics> metrics) {
    int[] counts = new int[3];
    for (StepMetrics row : metrics) {
      int outcome = outcome(row);
      if (outcome >= 0) {
        counts[outcome]++;
      }
    }
    return counts;
  }

  /**
   * A window row's outcome: 0 accepted (a version was published), 1 refused, 2 skipped (nothing was
   * trainable); -1 for rows that are not windows.
   */
  private static int outcome(StepMetrics row) {
    if (!row.split().equals(StepMetrics.WINDOW)) {
      return -1;
    }
    if (Double.isFinite(row.value("adapter_version"))) {
      return 0;
    }
    return row.value("records/trained") > 0 ? 1 : 2;
  }

  static XYChart lineChart(
      String title, String xAxis, String yAxis, Map<String, List<double[]>> seriesByName) {
    XYChart chart =
        new XYChartBuilder()
            .width(800)
            .height(450)
            .title(title)
            .xAxisTitle(xAxis)
            .yAxisTitle(yAxis)
            .build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
    chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
    seriesByName.forEach(
        (name, points) -> {
          double[] xs = points.stream().mapToDouble(p -> p[0]).toArray();
          double[] ys = points.stream().mapToDouble(p -> p[1]).toArray();
          XYSeries series = chart.addSeries(name, xs, ys);
          series.setMarker(points.size() > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        });
    return chart;
  }

  /** PNG and SVG of the chart, named {@code stem}. */
  static void save(XYChart chart, Path directory, String stem) throws IOException {
    BitmapEncoder.saveBitmap(
        chart, directory.resolve(stem).toString(), BitmapEncoder.BitmapFormat.PNG);
    VectorGraphicsEncoder.saveVectorGraphic(
        chart, directory.resolve(stem).toString(), VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
  }

  /**
   * A comparison of several runs of windows (a sweep): per {@link #WINDOW_PLOTS} metric one chart
   * with a series per run and metric, and a summary table (windows accepted / refused / skipped,
   * the last held-out accuracy, mean loss, the last KL). Returns the path of index.html.
   */
  public static Path writeComparison(
      Map<String, List<StepMetrics>> runs, Path directory, String title) {
    System.setProperty("java.awt.headless", "true");
    try {
      Files.createDirectories(directory);
      StringBuilder page = header(title);
      page.append(
          "<h2>Summary</h2>\n<table>\n<tr><th>setting</th><th>windows</th><th>accepted</th>"
              + "<th>refused</th><th>skipped</th><th>last held-out accuracy</th>"
              + "<th>mean loss</th><th>last KL</th><th>train ms</th></tr>\n");
      runs.forEach(
          (name, rows) -> {
            int[] outcomes = outcomes(rows);
            page.append("<tr><td>")
                .append(escape(name))
                .append("</td><td>")
                .append(outcomes[0] + outcomes[1] + outcomes[2])
                .append("</td><td>")
                .append(outcomes[0])
                .append("</td><td>")
                .append(outcomes[1])
                .append("</td><td>")
                .append(outcomes[2])
                .append("</td><td>")
                .append(number(last(rows, "heldout/accuracy")))
                .append("</td><td>")
                .append(number(mean(rows, "loss")))
                .append("</td><td>")
                .append(number(last(rows, "heldout/kl")))
                .append("</td><td>")
                .append(number(sum(rows, "time/train_ms")))
                .append("</td></tr>\n");
          });
      page.append("</table>\n");
      for (WindowPlot plot : WINDOW_PLOTS) {
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (Map.Entry<String, List<StepMetrics>> run : runs.entrySet()) {
          for (String metric : plot.metrics()) {
            List<double[]> points = windowSeries(run.getValue(), metric);
            if (!points.isEmpty()) {
              series.put(
                  plot.metrics().size() == 1 ? run.getKey() : run.getKey() + " " + metric, points);
            }
          }
        }
        if (series.isEmpty()) {
          continue;
        }
        save(lineChart(plot.title(), "window", plot.yAxis(), series), directory, plot.fileStem());
        image(page, plot.title(), plot.fileStem());
        page.append("<p>Series: ")
            .append(escape(String.join("; ", series.keySet())))
            .append("</p>\n");
      }
      page.append("</body></html>\n");
      Path index = directory.resolve("index.html");
      Files.writeString(index, page.toString(), StandardCharsets.UTF_8);
      return index;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write comparison report to " + directory, e);
    }
  }

  private static double last(List<StepMetrics> rows, String metric) {
    double last = Double.NaN;
    for (StepMetrics row : rows) {
      if (Double.isFinite(row.value(metric))) {
        last = row.value(metric);
      }
    }
    return last;
  }

  private static double mean(List<StepMetrics> rows, String metric) {
    return rows.stream()
        .mapToDouble(r -> r.value(metric))
        .filter(Double::isFinite)
        .average()
        .orElse(Double.NaN);
  }

  private static double sum(List<StepMetrics> rows, String metric) {
    return rows.stream().mapToDouble(r -> r.value(metric)).filter(Double::isFinite).sum();
  }

  private static String number(double value) {
    return Double.isFinite(value) ? String.format(Locale.ROOT, "%.4g", value) : "-";
  }

  /** Writes the plots and index.html into {@code directory}; returns the path of index.html. */
  public static Path write(List<StepMetrics> metrics, Path directory, String title) {
    System.setProperty("java.awt.headless", "true");
    try {
      Files.createDirectories(directory);
      List<Plot> drawn = new ArrayList<>();
      for (Plot plot : DEFAULT_PLOTS) {
        XYChart chart = chart(metrics, plot);
        if (chart == null) {
          continue;
        }
        save(chart, directory, plot.fileStem());
        drawn.add(plot);
      }
      for (WindowPlot plot : WINDOW_PLOTS) {
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (String metric : plot.metrics()) {
          List<double[]> points = windowSeries(metrics, metric);
          if (!points.isEmpty()) {
            series.put(metric, points);
          }
        }
        if (!series.isEmpty()) {
          save(lineChart(plot.title(), "window", plot.yAxis(), series), directory, plot.fileStem());
          drawn.add(new Plot(plot.fileStem(), plot.title(), plot.yAxis()));
        }
      }
      Path index = directory.resolve("index.html");
      Files.writeString(index, html(metrics, drawn, title), StandardCharsets.UTF_8);
      return index;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write report to " + directory, e);
    }
  }

  static XYChart chart(List<StepMetrics> metrics, Plot plot) {
    Map<String, List<double[]>> seriesBySplit = new LinkedHashMap<>();
    for (StepMetrics row : metrics) {
      double value = row.value(plot.metric());
      if (Double.isFinite(value)) {
        seriesBySplit
            .computeIfAbsent(row.split(), split -> new ArrayList<>())
            .add(new double[] {row.step(), value});
      }
    }
    if (seriesBySplit.isEmpty()) {
      return null;
    }
    return lineChart(plot.title(), "optimizer step", plot.metric(), seriesBySplit);
  }

  private static StringBuilder header(String title) {
    StringBuilder page = new StringBuilder();
    page.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
        .append(escape(title))
        .append(
            "</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:900px}"
                + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
                + "th:first-child,td:first-child{text-align:left}</style></head><body>\n<h1>")
        .append(escape(title))
        .append("</h1>\n");
    return page;
  }

  private static void image(StringBuilder page, String title, String fileStem) {
    page.append("<h2>")
        .append(escape(title))
        .append("</h2>\n<img src=\"")
        .append(fileStem)
        .append(".png\" alt=\"")
        .append(escape(title))
        .append("\" width=\"800\">\n");
  }

  static String html(List<StepMetrics> metrics, List<Plot> plots, String title) {
    StringBuilder page = header(title);
    int[] outcomes = outcomes(metrics);
    if (outcomes[0] + outcomes[1] + outcomes[2] > 0) {
      page.append(
          String.format(
              Locale.ROOT,
              "<p>%d windows: %d accepted, %d refused, %d skipped.</p>\n",
              outcomes[0] + outcomes[1] + outcomes[2],
              outcomes[0],
              outcomes[1],
              outcomes[2]));
    }
    for (String split : List.of(StepMetrics.TRAIN, StepMetrics.EVAL, StepMetrics.WINDOW)) {
      StepMetrics last = null;
      for (StepMetrics row : metrics) {
        if (row.split().equals(split)) {
          last = row;
        }
      }
      if (last == null) {
        continue;
      }
      page.append("<h2>Last ")
          .append(split)
          .append(" metrics (step ")
          .append(last.step())
          .append(")</h2>\n<table>\n");
      for (String name : new TreeSet<>(last.values().keySet())) {
        page.append("<tr><td>")
            .append(escape(name))
            .append("</td><td>")
            .append(String.format(Locale.ROOT, "%.6g", last.value(name)))
            .append("</td></tr>\n");
      }
      page.append("</table>\n");
    }
    for (Plot plot : plots) {
      image(page, plot.title(), plot.fileStem());
    }
    if (plots.isEmpty()) {
      page.append("<p>No metrics were logged.</p>\n");
    }
    page.append("</body></html>\n");
    return page.toString();
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
