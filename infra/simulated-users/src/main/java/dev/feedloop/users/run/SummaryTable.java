package dev.feedloop.users.run;

import dev.feedloop.schemas.FeedbackKind;
import java.util.Map;
import java.util.function.Function;

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
    CurvePoint base = summary.base();
    CurvePoint last = summary.last();
    CurvePoint best = summary.best();
    TextTable shares = new TextTable().row("", "base", "final", "best");
    shares.row(shareRow("satisfaction", base, last, best, CurvePoint::satisfaction));
    shares.row(shareRow("well-formed", base, last, best, CurvePoint::wellFormed));
    shares.row(shareRow("style", base, last, best, CurvePoint::style));
    shares.row(shareRow("greedy satisfaction", base, last, best, CurvePoint::greedySatisfaction));
    shares.row(shareRow("greedy well-formed", base, last, best, CurvePoint::greedyWellFormed));
    shares.row("adapter", version(base), version(last), version(best));
    shares.row("elapsed", minutes(base), minutes(last), minutes(best));
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

  private static String[] shareRow(
      String label,
      CurvePoint base,
      CurvePoint last,
      CurvePoint best,
      Function<CurvePoint, Double> share) {
    return new String[] {label, share(base, share), share(last, share), share(best, share)};
  }

  private static String share(CurvePoint point, Function<CurvePoint, Double> share) {
    return point == null ? Figures.NONE : Figures.percent(share.apply(point));
  }

  private static String version(CurvePoint point) {
    return point == null ? Figures.NONE : Figures.version(point.adapterVersion());
  }

  private static String minutes(CurvePoint point) {
    return point == null ? Figures.NONE : Figures.elapsed(point.elapsedSeconds());
  }
}
