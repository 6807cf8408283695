package dev.feedloop.users.run;

import dev.feedloop.schemas.FeedbackKind;
import java.util.Map;

/** The plain-text summary printed at the end of a run. */
final class SummaryTable {
  private SummaryTable() {}

  static String render(RunSummary summary) {
    StringBuilder text = new StringBuilder();
    text.append("Run ")
        .append(summary.runId())
        .append(" · preference ")
        .append(summary.preference())
        .append(" · ")
        .append(Figures.clock(summary.duration()))
        .append('\n');
    TextTable shares = new TextTable();
    Comparison.rows(summary).forEach(shares::row);
    text.append(shares.render());

    TextTable loop = new TextTable();
    loop.row("adapters published", Figures.count(summary.adaptersPublished()));
    loop.row("adapters refused", Figures.count(summary.adaptersRefused()));
    loop.row("windows", Figures.count(summary.windows()));
    loop.row("chat requests", Figures.count(summary.chatRequests()));
    loop.row("chat failures", Figures.count(summary.chatFailures()));
    loop.row("feedback accepted", Figures.count(summary.feedbackEvents()));
    for (Map.Entry<FeedbackKind, Long> kind : summary.feedbackByKind().entrySet()) {
      loop.row("  " + Figures.label(kind.getKey()), Figures.count(kind.getValue()));
    }
    Freshness freshness = summary.freshness();
    loop.row("freshness p50", Figures.seconds(freshness.p50()));
    loop.row("freshness p95", Figures.seconds(freshness.p95()));
    loop.row(
        "freshness samples",
        Figures.count(freshness.samples())
            + " ("
            + Figures.count(freshness.weight())
            + " records)");
    text.append(loop.render());
    for (Refusal refusal : summary.refusals()) {
      text.append("refused: ").append(Figures.refusal(refusal)).append('\n');
    }
    return text.toString();
  }
}
