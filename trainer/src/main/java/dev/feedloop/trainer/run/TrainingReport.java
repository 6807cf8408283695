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
 * the last values.
 */
public final class TrainingReport {
  /** One plot: a file name stem, a title, and the metric it draws. */
  public record Plot(String fileStem, String title, String metric) {}

  public static final List<Plot> DEFAULT_PLOTS =
      List.of(
          new Plot("loss", "Loss", "loss"),
          new Plot("margins", "Reward margin (chosen - rejected)", "rewards/margins"),
          new Plot("accuracies", "Reward accuracy", "rewards/accuracies"));

  private TrainingReport() {}

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
        BitmapEncoder.saveBitmap(
            chart, directory.resolve(plot.fileStem()).toString(), BitmapEncoder.BitmapFormat.PNG);
        VectorGraphicsEncoder.saveVectorGraphic(
            chart,
            directory.resolve(plot.fileStem()).toString(),
            VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        drawn.add(plot);
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
    XYChart chart =
        new XYChartBuilder()
            .width(800)
            .height(450)
            .title(plot.title())
            .xAxisTitle("optimizer step")
            .yAxisTitle(plot.metric())
            .build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
    chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
    seriesBySplit.forEach(
        (split, points) -> {
          double[] steps = points.stream().mapToDouble(p -> p[0]).toArray();
          double[] values = points.stream().mapToDouble(p -> p[1]).toArray();
          XYSeries series = chart.addSeries(split, steps, values);
          series.setMarker(points.size() > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        });
    return chart;
  }

  static String html(List<StepMetrics> metrics, List<Plot> plots, String title) {
    StringBuilder page = new StringBuilder();
    page.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
        .append(escape(title))
        .append(
            "</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:900px}"
                + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
                + "th:first-child,td:first-child{text-align:left}</style></head><body>\n<h1>")
        .append(escape(title))
        .append("</h1>\n");
    for (String split : List.of(StepMetrics.TRAIN, StepMetrics.EVAL)) {
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
      page.append("<h2>")
          .append(escape(plot.title()))
          .append("</h2>\n<img src=\"")
          .append(plot.fileStem())
          .append(".png\" alt=\"")
          .append(escape(plot.title()))
          .append("\" width=\"800\">\n");
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
