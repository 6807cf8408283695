package dev.feedloop.users.run;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The run's learning curve (XChart): satisfaction, well-formed and style in % over minutes elapsed,
 * the greedy satisfaction when measured, a dashed line at the base satisfaction (what the loop has
 * to beat) and a marker where each new adapter version was first measured.
 */
final class CurveChart {
  static final int WIDTH = 800;
  static final int HEIGHT = 450;

  static final String SATISFACTION = "satisfaction";
  static final String WELL_FORMED = "well-formed";
  static final String STYLE = "style";
  static final String GREEDY = "greedy satisfaction";
  static final String BASE = "base satisfaction";
  static final String ADAPTER_LIVE = "new adapter live";

  /** Above this many new versions their labels would overlap: markers only. */
  private static final int MAX_VERSION_LABELS = 12;

  private CurveChart() {}

  static XYChart chart(RunSummary summary) {
    // XChart draws with AWT; a run on a server has no display
    System.setProperty("java.awt.headless", "true");
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title("Satisfaction of the preference " + summary.preference())
            .xAxisTitle("minutes elapsed")
            .yAxisTitle("% of sampled answers")
            .build();
    Styler styler = chart.getStyler();
    styler.setLegendPosition(Styler.LegendPosition.OutsideS);
    styler.setLegendLayout(Styler.LegendLayout.Horizontal);
    styler.setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setYAxisMax(100.0);
    chart.getStyler().setXAxisMin(0.0);
    List<CurvePoint> curve = summary.curve();
    if (curve.isEmpty()) {
      // an axis with nothing on it still tells the reader that no evaluation finished
      XYSeries none = chart.addSeries(SATISFACTION, new double[] {0}, new double[] {0});
      none.setMarker(SeriesMarkers.NONE);
      none.setLineStyle(SeriesLines.NONE);
      return chart;
    }
    line(chart, SATISFACTION, curve, CurvePoint::satisfaction, SeriesLines.SOLID);
    line(chart, WELL_FORMED, curve, CurvePoint::wellFormed, SeriesLines.SOLID);
    line(chart, STYLE, curve, CurvePoint::style, SeriesLines.SOLID);
    List<CurvePoint> greedy = curve.stream().filter(p -> p.greedySatisfaction() != null).toList();
    if (!greedy.isEmpty()) {
      line(chart, GREEDY, greedy, CurvePoint::greedySatisfaction, SeriesLines.DOT_DOT);
    }
    baseLine(chart, summary);
    adapterMarkers(chart, curve);
    return chart;
  }

  private static void line(
      XYChart chart,
      String name,
      List<CurvePoint> points,
      Function<CurvePoint, Double> share,
      BasicStroke stroke) {
    double[] xs = points.stream().mapToDouble(CurvePoint::elapsedMinutes).toArray();
    double[] ys = points.stream().mapToDouble(p -> 100 * share.apply(p)).toArray();
    XYSeries series = chart.addSeries(name, xs, ys);
    series.setMarker(points.size() > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
    series.setLineStyle(stroke);
  }

  private static void baseLine(XYChart chart, RunSummary summary) {
    double base = 100 * summary.base().satisfaction();
    double end = Math.max(summary.last().elapsedMinutes(), summary.duration().toSeconds() / 60.0);
    XYSeries series =
        chart.addSeries(BASE, new double[] {0, Math.max(end, 1e-3)}, new double[] {base, base});
    series.setMarker(SeriesMarkers.NONE);
    series.setLineStyle(SeriesLines.DASH_DASH);
    series.setLineColor(Color.GRAY);
  }

  /** Points whose adapter version differs from the one measured before (the base included). */
  static List<CurvePoint> newVersions(List<CurvePoint> curve) {
    List<CurvePoint> changes = new ArrayList<>();
    Long previous = null;
    for (int i = 0; i < curve.size(); i++) {
      Long version = curve.get(i).adapterVersion();
      if (i > 0 && version != null && !version.equals(previous)) {
        changes.add(curve.get(i));
      }
      previous = version;
    }
    return changes;
  }

  private static void adapterMarkers(XYChart chart, List<CurvePoint> curve) {
    List<CurvePoint> changes = newVersions(curve);
    if (changes.isEmpty()) {
      return;
    }
    double[] xs = changes.stream().mapToDouble(CurvePoint::elapsedMinutes).toArray();
    double[] ys = changes.stream().mapToDouble(p -> 100 * p.satisfaction()).toArray();
    XYSeries series = chart.addSeries(ADAPTER_LIVE, xs, ys);
    series.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    series.setMarker(SeriesMarkers.DIAMOND);
    series.setMarkerColor(Color.BLACK);
    if (changes.size() <= MAX_VERSION_LABELS) {
      for (CurvePoint change : changes) {
        chart.addAnnotation(
            new AnnotationText(
                Figures.version(change.adapterVersion()),
                change.elapsedMinutes(),
                // below the marker: the style line runs above satisfaction (style includes it)
                Math.max(2, 100 * change.satisfaction() - 5),
                false));
      }
    }
  }

  /**
   * Writes the chart as SVG to {@code file}, with a {@code <title>} and a {@code <desc>} naming the
   * series: XChart draws every letter as a path, so without them the file says nothing to a screen
   * reader, a search or a test.
   */
  static void saveSvg(XYChart chart, Path file) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    VectorGraphicsEncoder.saveVectorGraphic(
        chart, bytes, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
    String svg = bytes.toString(StandardCharsets.UTF_8);
    int root = svg.indexOf("<svg");
    int rootEnd = root < 0 ? -1 : svg.indexOf('>', root);
    if (rootEnd < 0) {
      throw new IOException("XChart wrote no <svg> element");
    }
    String described =
        svg.substring(0, rootEnd + 1)
            + "\n  <title>"
            + HtmlReport.escape(chart.getTitle())
            + "</title>\n  <desc>Series: "
            + HtmlReport.escape(String.join(", ", chart.getSeriesMap().keySet()))
            + "; x axis: "
            + HtmlReport.escape(chart.getXAxisTitle())
            + "; y axis: "
            + HtmlReport.escape(chart.getYAxisTitle())
            + ".</desc>"
            + svg.substring(rootEnd + 1);
    Files.writeString(file, described, StandardCharsets.UTF_8);
  }

  /** The chart as PNG bytes, for embedding. */
  static byte[] png(XYChart chart) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    BitmapEncoder.saveBitmap(chart, bytes, BitmapEncoder.BitmapFormat.PNG);
    return bytes.toByteArray();
  }
}
