package dev.feedloop.trainer.data;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an import produced: the accepted records, how many source records were read, the counts of
 * rejected ones by reason, and the first issues (file:line) for the report.
 */
public record ImportResult(
    List<PreferencePair> pairs,
    List<UnaryRecord> unary,
    long recordsRead,
    Map<RejectReason, Long> rejected,
    List<ImportIssue> issues,
    Map<String, DatasetFormat> formats) {
  public ImportResult {
    pairs = List.copyOf(pairs);
    unary = List.copyOf(unary);
    EnumMap<RejectReason, Long> copy = new EnumMap<>(RejectReason.class);
    copy.putAll(rejected);
    rejected = Collections.unmodifiableMap(copy);
    issues = List.copyOf(issues);
    formats = Collections.unmodifiableMap(new LinkedHashMap<>(formats));
  }

  public long rejectedCount(RejectReason reason) {
    return rejected.getOrDefault(reason, 0L);
  }

  public long totalRejected() {
    return rejected.values().stream().mapToLong(Long::longValue).sum();
  }

  /** A short human-readable summary, one count per line. */
  public String summary() {
    StringBuilder text = new StringBuilder();
    formats.forEach(
        (file, format) ->
            text.append("format ").append(format.cliName()).append(": ").append(file).append('\n'));
    text.append("records read: ").append(recordsRead).append('\n');
    text.append("pairs: ").append(pairs.size()).append('\n');
    text.append("unary: ").append(unary.size()).append('\n');
    text.append("rejected: ").append(totalRejected()).append('\n');
    for (RejectReason reason : RejectReason.values()) {
      long count = rejectedCount(reason);
      if (count > 0) {
        text.append("  ").append(reason.label()).append(": ").append(count).append('\n');
      }
    }
    return text.toString();
  }
}
