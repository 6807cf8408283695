package dev.feedloop.users.run;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The base / final / best comparison as rows of text, one source for the printed table and the HTML
 * so the two can never show different figures.
 */
final class Comparison {
  private Comparison() {}

  /** A header row ("", base, final, best), then one row per figure. */
  static List<String[]> rows(RunSummary summary) {
    List<CurvePoint> points = new ArrayList<>();
    points.add(summary.base());
    points.add(summary.last());
    points.add(summary.best());
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"", "base", "final", "best"});
    rows.add(row("satisfaction", points, p -> Figures.percent(p.satisfaction())));
    rows.add(row("well-formed", points, p -> Figures.percent(p.wellFormed())));
    rows.add(row("style", points, p -> Figures.percent(p.style())));
    rows.add(row("greedy satisfaction", points, p -> Figures.percent(p.greedySatisfaction())));
    rows.add(row("greedy well-formed", points, p -> Figures.percent(p.greedyWellFormed())));
    rows.add(row("adapter", points, p -> Figures.version(p.adapterVersion())));
    rows.add(row("elapsed", points, p -> Figures.elapsed(p.elapsedSeconds())));
    return rows;
  }

  private static String[] row(
      String label, List<CurvePoint> points, Function<CurvePoint, String> figure) {
    String[] cells = new String[points.size() + 1];
    cells[0] = label;
    for (int i = 0; i < points.size(); i++) {
      // no point at all: a run without any evaluation
      cells[i + 1] = points.get(i) == null ? Figures.NONE : figure.apply(points.get(i));
    }
    return cells;
  }
}
