package dev.feedloop.streams;

import dev.feedloop.schemas.rules.RejectReason;
import dev.feedloop.streams.internal.Candidate;
import dev.feedloop.streams.internal.DeadLetters;
import dev.feedloop.streams.internal.Deadlines;
import dev.feedloop.streams.internal.Routed;
import java.time.Instant;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The last gate before the output topics (keyed by user id). It drops a record id it already let
 * through or rejected (a duplicate from any path upstream), and caps how many training records one
 * user contributes per tumbling window so that no single user can steer training (poisoning guard).
 * Records leave keyed by prompt hash.
 */
final class UserCapGuard extends ContextualProcessor<String, Candidate, String, Routed<Candidate>> {

  static final String COUNT_STORE = "user-cap-counts";
  static final String EMITTED_STORE = "training-record-ids";
  static final String DEADLINE_STORE = "user-cap-deadlines";
  private static final char SEPARATOR = '\u001f';
  private static final long PURGE_EVERY_MILLIS = 1000;

  private final StreamsSettings settings;
  private final FeedbackStreamsMetrics metrics;
  private KeyValueStore<String, Long> counts;
  private KeyValueStore<String, Long> emitted;
  private Deadlines deadlines;
  private long nextPurgeAt = Long.MIN_VALUE;

  UserCapGuard(StreamsSettings settings, FeedbackStreamsMetrics metrics) {
    this.settings = settings;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, Routed<Candidate>> context) {
    super.init(context);
    counts = context.getStateStore(COUNT_STORE);
    emitted = context.getStateStore(EMITTED_STORE);
    deadlines = new Deadlines(context.getStateStore(DEADLINE_STORE));
  }

  @Override
  public void process(Record<String, Candidate> record) {
    Candidate candidate = record.value();
    long at = record.timestamp();
    // expire by the time of the records seen here (they arrive late, behind task stream time);
    // at most once per second of it, since every scan opens a RocksDB iterator
    if (at >= nextPurgeAt) {
      for (String entry : deadlines.popDue(at)) {
        (entry.charAt(0) == 'c' ? counts : emitted).delete(entry.substring(1));
      }
      nextPurgeAt = at + PURGE_EVERY_MILLIS;
    }
    String recordId = candidate.recordId();
    if (emitted.get(recordId) != null) {
      metrics.duplicateDropped("training-record");
      return;
    }
    long retention =
        2 * settings.joinWindow().toMillis()
            + 2 * settings.pairingWindow().toMillis()
            + 2 * settings.grace().toMillis();
    emitted.put(recordId, at);
    deadlines.add(at + retention, "r" + recordId);

    long window = settings.userCapWindow().toMillis();
    long windowStart = at - Math.floorMod(at, window);
    String countKey = candidate.userId() + SEPARATOR + windowStart;
    Long count = counts.get(countKey);
    long used = count == null ? 0 : count;
    if (used >= settings.userCap()) {
      context()
          .forward(
              new Record<>(
                  candidate.key(),
                  Routed.rejected(
                      DeadLetters.forCandidate(
                          candidate,
                          RejectReason.USER_CAP_EXCEEDED,
                          "user "
                              + candidate.userId()
                              + " reached the cap of "
                              + settings.userCap()
                              + " records in ["
                              + Instant.ofEpochMilli(windowStart)
                              + ", "
                              + Instant.ofEpochMilli(windowStart + window)
                              + ")",
                          at)),
                  at));
      return;
    }
    counts.put(countKey, used + 1);
    if (count == null) {
      deadlines.add(windowStart + 2 * window + settings.grace().toMillis(), "c" + countKey);
    }
    context().forward(new Record<>(candidate.key(), Routed.ok(candidate), at));
  }
}
