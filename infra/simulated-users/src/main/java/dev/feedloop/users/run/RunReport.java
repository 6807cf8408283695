package dev.feedloop.users.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.knowm.xchart.XYChart;

/**
 * The record a run leaves under {@code runs/<run>/}: summary.json, the curve as curve.png and
 * curve.svg, and report.html; and the table printed when it ends. Field names and files are listed
 * in the module README.
 */
public final class RunReport {
  public static final String SUMMARY_JSON = "summary.json";
  public static final String CURVE_PNG = "curve.png";
  public static final String CURVE_SVG = "curve.svg";
  public static final String REPORT_HTML = "report.html";

  private RunReport() {}

  /**
   * Writes the four files into {@code runDir} (created if needed, files replaced); returns the path
   * of report.html.
   */
  public static Path write(RunSummary summary, Path runDir) {
    try {
      Files.createDirectories(runDir);
      SummaryJson.write(summary, runDir.resolve(SUMMARY_JSON));
      XYChart chart = CurveChart.chart(summary);
      byte[] png = CurveChart.png(chart);
      Files.write(runDir.resolve(CURVE_PNG), png);
      CurveChart.saveSvg(chart, runDir.resolve(CURVE_SVG));
      Path html = runDir.resolve(REPORT_HTML);
      Files.writeString(html, HtmlReport.render(summary, png), StandardCharsets.UTF_8);
      return html;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the run's record to " + runDir, e);
    }
  }

  /** The plain-text summary table printed when a run ends (aligned columns, one line each). */
  public static String summaryTable(RunSummary summary) {
    return SummaryTable.render(summary);
  }
}
