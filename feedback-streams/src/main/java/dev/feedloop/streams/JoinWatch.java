package dev.feedloop.streams;

import dev.feedloop.schemas.DeadLetter;
import dev.feedloop.schemas.kafka.TopicKeys;
import dev.feedloop.streams.internal.Deadlines;
import dev.feedloop.streams.internal.JoinedFeedback;
import dev.feedloop.streams.internal.Routed;
import dev.feedloop.streams.internal.TaskClock;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Stands in front of a feedback-generation join and answers for every feedback event that never
 * joins: it becomes an unknown-generation dead letter. Feedback that is already too old when it
 * arrives (its window closed in stream time) is rejected at once, because the join would drop it
 * with no more than a metric. Feedback that goes in is remembered until the join reports it matched
 * ({@link JoinGate} forgets it); if no match came by the time the join can no longer produce one,
 * the punctuation dead-letters it.
 *
 * <p>That time is read on the {@link TaskClock}, so feedback on a generation that never comes is
 * dead-lettered even when its partition goes quiet. The join itself closes its windows on stream
 * time only; should it still match feedback that the wall clock already gave up, the {@link
 * JoinGate} drops that match, so every feedback event has exactly one outcome.
 *
 * <p>The join's own outer results are not used for this: their emission depends on an in-memory
 * time tracker that does not survive task re-initialisation, and some were lost across restarts.
 */
final class JoinWatch<V> extends ContextualProcessor<String, V, String, Routed<V>> {

  private final String pendingStore;
  private final String deadlineStore;
  private final long windowMillis;
  private final long graceMillis;
  private final Function<V, JoinedFeedback> pendingValue;
  private final BiFunction<JoinedFeedback, Long, DeadLetter> deadLetter;
  private KeyValueStore<String, JoinedFeedback> pending;
  private Deadlines deadlines;
  private final TaskClock clock;

  /**
   * @param pendingValue what to remember of an incoming value (feedback and origin)
   * @param deadLetter builds the dead letter from what was remembered and the time that closed it
   */
  JoinWatch(
      StreamsSettings settings,
      String pendingStore,
      String deadlineStore,
      Function<V, JoinedFeedback> pendingValue,
      BiFunction<JoinedFeedback, Long, DeadLetter> deadLetter) {
    this.pendingStore = pendingStore;
    this.deadlineStore = deadlineStore;
    this.windowMillis = settings.joinWindow().toMillis();
    this.graceMillis = settings.grace().toMillis();
    this.pendingValue = pendingValue;
    this.deadLetter = deadLetter;
    this.clock = new TaskClock(settings.wallClockInterval(), settings.liveLag());
  }

  @Override
  public void init(ProcessorContext<String, Routed<V>> context) {
    super.init(context);
    pending = context.getStateStore(pendingStore);
    deadlines = new Deadlines(context.getStateStore(deadlineStore));
    clock.schedule(context, this::expire);
  }

  @Override
  public void process(Record<String, V> record) {
    clock.input();
    // on stream time, as the join decides whether a record is too late to go in
    long streamTime = context().currentStreamTimeMs();
    JoinedFeedback remembered = pendingValue.apply(record.value());
    if (record.timestamp() + windowMillis + graceMillis < streamTime) {
      context()
          .forward(record.withValue(Routed.rejected(deadLetter.apply(remembered, streamTime))));
      return;
    }
    String id = remembered.feedback().getFeedbackId();
    if (pending.get(id) == null) {
      pending.put(id, remembered);
      // a generation up to a window later is still accepted until its own window plus grace closes
      deadlines.add(record.timestamp() + 2 * windowMillis + graceMillis + 1, id);
    }
    context().forward(record.withValue(Routed.ok(record.value())));
  }

  private void expire(long now) {
    for (String id : deadlines.popDue(now)) {
      JoinedFeedback unmatched = pending.get(id);
      if (unmatched == null) {
        continue; // joined in time
      }
      pending.delete(id);
      context()
          .forward(
              new Record<>(
                  TopicKeys.of(unmatched.feedback()),
                  Routed.rejected(deadLetter.apply(unmatched, now)),
                  now));
    }
  }
}
