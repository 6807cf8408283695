package dev.feedloop.users.run;

import dev.feedloop.schemas.FeedbackKind;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * report.html: one self-contained page (the curve is embedded as a PNG data URI, the style inline)
 * that can be mailed or attached to a ticket without the files beside it. Every text that comes
 * from the run (run id, preference, settings, refusal reasons) is escaped.
 */
final class HtmlReport {
  private HtmlReport() {}

  static String render(RunSummary summary, byte[] curvePng) {
    String title = "Feedback loop run " + summary.runId();
    StringBuilder page = new StringBuilder();
    page.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
        .append(escape(title))
        .append("</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:900px}")
        .append("table{border-collapse:collapse;margin-bottom:1em}")
        .append("td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}")
        .append("th:first-child,td:first-child{text-align:left}</style></head><body>\n<h1>")
        .append(escape(title))
        .append("</h1>\n<p>Preference <b>")
        .append(escape(summary.preference()))
        .append("</b>; from ")
        .append(escape(summary.startedAt().toString()))
        .append(" to ")
        .append(escape(summary.endedAt().toString()))
        .append(" (")
        .append(Figures.clock(summary.duration()))
        .append(").</p>\n");
    shares(page, summary);
    page.append("<h2>Curve</h2>\n<img alt=\"")
        .append(escape("Satisfaction of the preference " + summary.preference()))
        .append("\" width=\"")
        .append(CurveChart.WIDTH)
        .append("\" src=\"data:image/png;base64,")
        .append(Base64.getEncoder().encodeToString(curvePng))
        .append("\">\n<p>Also as <a href=\"curve.svg\">curve.svg</a> and")
        .append(" <a href=\"curve.png\">curve.png</a>; the figures in summary.json.</p>\n");
    curve(page, summary);
    adapters(page, summary);
    feedback(page, summary);
    freshness(page, summary);
    settings(page, summary.settings());
    page.append("</body></html>\n");
    return page.toString();
  }

  private static void shares(StringBuilder page, RunSummary summary) {
    page.append("<h2>Summary</h2>\n<table>\n");
    List<String[]> rows = Comparison.rows(summary);
    for (int i = 0; i < rows.size(); i++) {
      row(page, i == 0, rows.get(i));
    }
    page.append("</table>\n");
  }

  private static void curve(StringBuilder page, RunSummary summary) {
    page.append("<h2>Evaluations</h2>\n<table>\n");
    row(
        page,
        true,
        "elapsed",
        "adapter",
        "satisfaction",
        "well-formed",
        "style",
        "greedy satisfaction",
        "prompts");
    for (CurvePoint point : summary.curve()) {
      row(
          page,
          false,
          Figures.elapsed(point.elapsedSeconds()),
          Figures.version(point.adapterVersion()),
          Figures.percent(point.satisfaction()),
          Figures.percent(point.wellFormed()),
          Figures.percent(point.style()),
          Figures.percent(point.greedySatisfaction()),
          Figures.count(point.prompts()));
    }
    page.append("</table>\n");
  }

  private static void adapters(StringBuilder page, RunSummary summary) {
    page.append("<h2>Adapters</h2>\n<table>\n");
    row(page, false, "published", Figures.count(summary.adaptersPublished()));
    row(page, false, "refused", Figures.count(summary.adaptersRefused()));
    row(page, false, "windows", Figures.count(summary.windows()));
    page.append("</table>\n");
    if (summary.refusals().isEmpty()) {
      return;
    }
    page.append("<h3>Refusals</h3>\n<table>\n");
    row(page, true, "elapsed", "window", "version", "reason", "detail");
    for (Refusal refusal : summary.refusals()) {
      row(
          page,
          false,
          Figures.elapsed(refusal.elapsedSeconds()),
          Figures.orNone(refusal.window()),
          refusal.version() == null ? Figures.NONE : Figures.version(refusal.version()),
          refusal.reason(),
          refusal.detail());
    }
    page.append("</table>\n");
  }

  private static void feedback(StringBuilder page, RunSummary summary) {
    page.append("<h2>Feedback and chat</h2>\n<table>\n");
    row(page, true, "kind", "accepted");
    for (Map.Entry<FeedbackKind, Long> kind : summary.feedbackByKind().entrySet()) {
      row(page, false, Figures.label(kind.getKey()), Figures.count(kind.getValue()));
    }
    row(page, false, "all kinds", Figures.count(summary.feedbackEvents()));
    row(page, false, "chat requests", Figures.count(summary.chatRequests()));
    row(page, false, "chat failures", Figures.count(summary.chatFailures()));
    page.append("</table>\n");
  }

  private static void freshness(StringBuilder page, RunSummary summary) {
    Freshness freshness = summary.freshness();
    page.append("<h2>Freshness</h2>\n<p>From a feedback event to the adapter that learned from it")
        .append(" being live in serving, weighted by the records each sample stands for.</p>\n")
        .append("<table>\n");
    row(page, false, "p50", Figures.seconds(freshness.p50()));
    row(page, false, "p95", Figures.seconds(freshness.p95()));
    row(page, false, "max", Figures.seconds(freshness.max()));
    row(page, false, "samples", Figures.count(freshness.samples()));
    row(page, false, "records", Figures.count(freshness.weight()));
    page.append("</table>\n");
  }

  private static void settings(StringBuilder page, RunSettings settings) {
    page.append("<h2>Settings</h2>\n<table>\n");
    row(page, false, "users", Figures.count(settings.users()));
    row(
        page,
        false,
        "duration",
        settings.duration() == null ? Figures.NONE : Figures.clock(settings.duration()));
    row(
        page,
        false,
        "window records",
        settings.windowRecords() == 0 ? Figures.NONE : Figures.count(settings.windowRecords()));
    row(page, false, "window time", Figures.seconds(settings.windowTime()));
    row(page, false, "loss", Figures.orNone(settings.loss()));
    row(page, false, "mix", Figures.orNone(settings.mix()));
    row(page, false, "noise", Figures.orNone(settings.noise()));
    row(page, false, "seed", Long.toString(settings.seed()));
    page.append("</table>\n");
  }

  private static void row(StringBuilder page, boolean header, String... cells) {
    String cell = header ? "th" : "td";
    page.append("<tr>");
    for (String text : cells) {
      page.append('<')
          .append(cell)
          .append('>')
          .append(escape(text))
          .append("</")
          .append(cell)
          .append('>');
    }
    page.append("</tr>\n");
  }

  /** Text safe inside HTML elements and quoted attributes. */
  static String escape(String text) {
    return text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;")
        .replace("'", "&#39;");
  }
}
