package dev.feedloop.trainer.data;

import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.UnaryFeedback;
import dev.feedloop.schemas.rules.RejectReason;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an import produced: the accepted records, how many source records were read, and the
 * decision on every record read (file, line, accepted or the reason it was rejected), from which
 * the counts by reason and the report's issues come.
 *
 * @param decisions one per record, in reading order (a ranking line has several; a malformed line
 *     one)
 * @param formats the format of each file, as given or detected
 */
public record ImportResult(
    List<PreferencePair> pairs,
    List<UnaryFeedback> unary,
    long recordsRead,
    List<RecordDecision> decisions,
    Map<String, DatasetFormat> formats) {
  public ImportResult {
    pairs = List.copyOf(pairs);
    unary = List.copyOf(unary);
    decisions = List.copyOf(decisions);
    formats = Collections.unmodifiableMap(new LinkedHashMap<>(formats));
  }

  /** The decisions on the records that start at {@code line} of {@code file}, in order. */
  public List<RecordDecision> decisionsAt(Path file, long line) {
    String name = file.toString();
    return decisions.stream().filter(d -> d.line() == line && d.file().equals(name)).toList();
  }

  /** The rejected records, in reading order. */
  public List<RecordDecision> issues() {
    return decisions.stream().filter(decision -> !decision.accepted()).toList();
  }

  /** Counts of rejected records by reason, in the reasons' order; reasons never seen are absent. */
  public Map<RejectReason, Long> rejected() {
    Map<RejectReason, Long> counts = new EnumMap<>(RejectReason.class);
    for (RecordDecision decision : decisions) {
      decision.reason().ifPresent(reason -> counts.merge(reason, 1L, Long::sum));
    }
    return Collections.unmodifiableMap(counts);
  }

  public long rejectedCount(RejectReason reason) {
    return rejected().getOrDefault(reason, 0L);
  }

  public long totalRejected() {
    return decisions.stream().filter(decision -> !decision.accepted()).count();
  }

  /** A short human-readable summary, one count per line, rejections by their reason codes. */
  public String summary() {
    StringBuilder text = new StringBuilder();
    formats.forEach(
        (file, format) ->
            text.append("format ").append(format.cliName()).append(": ").append(file).append('\n'));
    text.append("records read: ").append(recordsRead).append('\n');
    text.append("pairs: ").append(pairs.size()).append('\n');
    text.append("unary: ").append(unary.size()).append('\n');
    text.append("rejected: ").append(totalRejected()).append('\n');
    rejected()
        .forEach(
            (reason, count) ->
                text.append("  ").append(reason.code()).append(": ").append(count).append('\n'));
    return text.toString();
  }
}
