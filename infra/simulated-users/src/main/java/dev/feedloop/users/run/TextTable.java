package dev.feedloop.users.run;

import java.util.ArrayList;
import java.util.List;

/**
 * Rows of text cells printed in aligned columns: the first column left-aligned (labels), the others
 * right-aligned (figures), two spaces apart.
 */
final class TextTable {
  private final List<String[]> rows = new ArrayList<>();

  TextTable row(String... cells) {
    rows.add(cells);
    return this;
  }

  String render() {
    int columns = rows.stream().mapToInt(r -> r.length).max().orElse(0);
    int[] widths = new int[columns];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    StringBuilder text = new StringBuilder();
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        if (i == 0) {
          line.append(row[i]).append(" ".repeat(widths[i] - row[i].length()));
        } else {
          line.append("  ").append(" ".repeat(widths[i] - row[i].length())).append(row[i]);
        }
      }
      text.append(line.toString().stripTrailing()).append('\n');
    }
    return text.toString();
  }
}
