package dev.feedloop.streams;

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
 * After a feedback-generation join (keyed by the generation looked up): a match tells the {@link
 * JoinWatch} in front of the join that this feedback joined; the join's own unmatched (null)
 * results are dropped, since the watch dead-letters what never matches. After the first join a
 * feedback id seen before is dropped, whether the producer retried it or the generation was logged
 * twice.
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

  /**
   * @param choiceStage true after the second (CHOICE) join, which looks up the other candidate
   */
  JoinGate(StreamsSettings settings, FeedbackStreamsMetrics metrics, boolean choiceStage) {
    this.settings = settings;
    this.metrics = metrics;
    this.choiceStage = choiceStage;
  }

  @Override
  public void init(ProcessorContext<String, Routed<JoinedFeedback>> context) {
    super.init(context);
    pending = context.getStateStore(choiceStage ? PENDING_CHOICES : PENDING_FEEDBACK);
    if (!choiceStage) {
      seen = context.getStateStore(SEEN_STORE);
      deadlines = new Deadlines(context.getStateStore(SEEN_DEADLINES));
      context.schedule(
          Duration.ofSeconds(1),
          PunctuationType.STREAM_TIME,
          now -> deadlines.popDue(now).forEach(seen::delete));
    }
  }

  @Override
  public void process(Record<String, JoinedFeedback> record) {
    // an inner join: unmatched feedback never arrives here, the JoinWatch dead-letters it when its
    // window closed
    JoinedFeedback joined = record.value();
    String feedbackId = joined.feedback().getFeedbackId();
    pending.delete(feedbackId);
    if (choiceStage) {
      context().forward(record.withValue(Routed.ok(joined)));
      return;
    }
    if (seen.get(feedbackId) != null) {
      metrics.duplicateDropped("feedback-id");
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
