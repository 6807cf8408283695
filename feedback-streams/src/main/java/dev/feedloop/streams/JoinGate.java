package dev.feedloop.streams;

import dev.feedloop.streams.internal.Deadlines;
import dev.feedloop.streams.internal.JoinedFeedback;
import dev.feedloop.streams.internal.Routed;
import dev.feedloop.streams.internal.TaskClock;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * After a feedback-generation join (keyed by the generation looked up): a match tells the {@link
 * JoinWatch} in front of the join that this feedback joined; the join's own unmatched (null)
 * results are dropped, since the watch dead-letters what never matches. After the first join a
 * feedback id seen before is dropped, whether the producer retried it or the generation was logged
 * twice.
 *
 * <p>A match for feedback that is no longer pending was either matched before (a duplicate) or
 * given up by the watch as unknown-generation: the watch reads its deadlines on the {@link
 * TaskClock}, which the wall clock carries past stream time on a quiet partition, while the join
 * keeps its windows open on stream time. Either way the feedback already had its outcome, and the
 * match is dropped.
 */
final class JoinGate
    extends ContextualProcessor<String, JoinedFeedback, String, Routed<JoinedFeedback>> {

  static final String SEEN_STORE = "feedback-ids-seen";
  static final String SEEN_DEADLINES = "feedback-ids-seen-deadlines";
  static final String PENDING_FEEDBACK = "feedback-awaiting-generation";
  static final String PENDING_FEEDBACK_DEADLINES = PENDING_FEEDBACK + "-deadlines";
  static final String PENDING_CHOICES = "choices-awaiting-other-generation";
  static final String PENDING_CHOICES_DEADLINES = PENDING_CHOICES + "-deadlines";

  private final StreamsSettings settings;
  private final FeedbackStreamsMetrics metrics;
  private final boolean choiceStage;
  private KeyValueStore<String, JoinedFeedback> pending;
  private KeyValueStore<String, Long> seen;
  private Deadlines deadlines;
  private final TaskClock clock;

  /**
   * @param choiceStage true after the second (CHOICE) join, which looks up the other candidate
   */
  JoinGate(StreamsSettings settings, FeedbackStreamsMetrics metrics, boolean choiceStage) {
    this.settings = settings;
    this.metrics = metrics;
    this.choiceStage = choiceStage;
    this.clock = new TaskClock(settings.wallClockInterval(), settings.liveLag());
  }

  @Override
  public void init(ProcessorContext<String, Routed<JoinedFeedback>> context) {
    super.init(context);
    pending = context.getStateStore(choiceStage ? PENDING_CHOICES : PENDING_FEEDBACK);
    if (!choiceStage) {
      seen = context.getStateStore(SEEN_STORE);
      deadlines = new Deadlines(context.getStateStore(SEEN_DEADLINES));
      clock.schedule(context, now -> deadlines.popDue(now).forEach(seen::delete));
    }
  }

  @Override
  public void process(Record<String, JoinedFeedback> record) {
    // an inner join: unmatched feedback never arrives here, the JoinWatch dead-letters it when its
    // window closed
    JoinedFeedback joined = record.value();
    String feedbackId = joined.feedback().getFeedbackId();
    boolean wasPending = pending.delete(feedbackId) != null;
    if (choiceStage) {
      if (wasPending) {
        context().forward(record.withValue(Routed.ok(joined)));
      } else {
        metrics.duplicateDropped("choice"); // the other candidate logged twice, or given up
      }
      return;
    }
    clock.input();
    if (seen.get(feedbackId) != null) {
      metrics.duplicateDropped("feedback-id");
      return;
    }
    if (!wasPending) {
      metrics.duplicateDropped("joined-after-dead-letter");
      return;
    }
    // a duplicate can only trail its original by as much as the join keeps either side
    long forgetAt =
        record.timestamp() + 2 * settings.joinWindow().toMillis() + settings.grace().toMillis();
    seen.put(feedbackId, forgetAt);
    deadlines.add(forgetAt, feedbackId);
    long later = Math.max(joined.feedbackTime(), joined.generation().getCreatedAt().toEpochMilli());
    metrics.joinLag(context().currentSystemTimeMs() - later);
    context().forward(record.withValue(Routed.ok(joined)));
  }
}
