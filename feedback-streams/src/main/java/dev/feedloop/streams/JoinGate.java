package dev.feedloop.streams;

import dev.feedloop.streams.internal.DeadLetters;
import dev.feedloop.streams.internal.Deadlines;
import dev.feedloop.streams.internal.JoinedFeedback;
import dev.feedloop.streams.internal.Routed;
import java.time.Duration;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * After the feedback-generation join (keyed by generation id): feedback whose generation never
 * came becomes an unknown-generation dead letter; a feedback id seen before is dropped, whether
 * the producer retried it or the generation was logged twice.
 */
final class JoinGate extends ContextualProcessor<String, JoinedFeedback, String, Routed<JoinedFeedback>> {

  static final String SEEN_STORE = "feedback-ids-seen";
  static final String SEEN_DEADLINES = "feedback-ids-seen-deadlines";

  private final StreamsSettings settings;
  private final FeedbackStreamsMetrics metrics;
  private final String stage;
  private final boolean checkOther;
  private KeyValueStore<String, Long> seen;
  private Deadlines deadlines;

  /**
   * @param checkOther true after the second (CHOICE) join, which looks up the other candidate
   */
  JoinGate(StreamsSettings settings, FeedbackStreamsMetrics metrics, String stage, boolean checkOther) {
    this.settings = settings;
    this.metrics = metrics;
    this.stage = stage;
    this.checkOther = checkOther;
  }

  @Override
  public void init(ProcessorContext<String, Routed<JoinedFeedback>> context) {
    super.init(context);
    if (!checkOther) {
      seen = context.getStateStore(SEEN_STORE);
      deadlines = new Deadlines(context.getStateStore(SEEN_DEADLINES));
      context.schedule(Duration.ofSeconds(1), PunctuationType.STREAM_TIME, now -> deadlines.popDue(now).forEach(seen::delete));
    }
  }

  @Override
  public void process(Record<String, JoinedFeedback> record) {
    JoinedFeedback joined = record.value();
    String missing =
        checkOther
            ? (joined.other() == null ? joined.feedback().getOtherGenerationId() : null)
            : (joined.generation() == null ? joined.feedback().getGenerationId() : null);
    if (missing != null) {
      context()
          .forward(
              record.withValue(
                  Routed.rejected(
                      DeadLetters.forFeedback(
                          joined.feedback(),
                          joined.origin(),
                          DeadLetterReason.UNKNOWN_GENERATION,
                          "no generation " + missing + " within the join window " + settings.joinWindow()
                              + " plus grace " + settings.grace(),
                          record.timestamp()))));
      return;
    }
    if (!checkOther) {
      String feedbackId = joined.feedback().getFeedbackId();
      if (seen.get(feedbackId) != null) {
        metrics.duplicateDropped(stage);
        return;
      }
      // a duplicate can only trail its original by as much as the join keeps either side
      long forgetAt = record.timestamp() + 2 * settings.joinWindow().toMillis() + settings.grace().toMillis();
      seen.put(feedbackId, forgetAt);
      deadlines.add(forgetAt, feedbackId);
    }
    if (!checkOther) {
      long later = Math.max(joined.feedbackTime(), joined.generation().getCreatedAt().toEpochMilli());
      metrics.joinLag(context().currentSystemTimeMs() - later);
    }
    context().forward(record.withValue(Routed.ok(joined)));
  }
}
