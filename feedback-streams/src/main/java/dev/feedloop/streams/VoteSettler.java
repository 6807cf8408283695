package dev.feedloop.streams;

import dev.feedloop.schemas.FeedbackKind;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.rules.RejectReason;
import dev.feedloop.streams.internal.Candidate;
import dev.feedloop.streams.internal.DeadLetters;
import dev.feedloop.streams.internal.Deadlines;
import dev.feedloop.streams.internal.JoinedFeedback;
import dev.feedloop.streams.internal.Routed;
import dev.feedloop.streams.internal.TaskClock;
import dev.feedloop.streams.internal.TrainingRecords;
import dev.feedloop.streams.internal.VoteState;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A user's latest vote on a generation wins. Votes (up, down, retract) of one user on one
 * generation settle a pairing window plus grace after the first of them (event time); only then is
 * the final state emitted, once, as a unary record (nothing when it is a retraction). "Latest" is
 * by the feedback's own time, so out-of-order arrival does not change the outcome. A vote that
 * arrives after its state settled is dead-lettered rather than emitted as a contradiction of what
 * the trainer may already have learned from.
 *
 * <p>"After" is judged by the {@link TaskClock}: stream time while input flows, carried on by the
 * wall clock while the partition is quiet. So a lone vote with no later traffic on its partition
 * still settles: within the settle window plus one wall-clock interval of its arrival (the
 * FEEDLOOP_STREAMS_WALL_CLOCK_INTERVAL setting), not whenever the next record happens to come.
 */
final class VoteSettler
    extends ContextualProcessor<String, JoinedFeedback, String, Routed<Candidate>> {

  static final String STATE_STORE = "vote-settlement";
  static final String DEADLINE_STORE = "vote-settlement-deadlines";

  private final StreamsSettings settings;
  private KeyValueStore<String, VoteState> states;
  private Deadlines deadlines;
  private final TaskClock clock;

  VoteSettler(StreamsSettings settings) {
    this.settings = settings;
    this.clock = new TaskClock(settings.wallClockInterval(), settings.liveLag());
  }

  @Override
  public void init(ProcessorContext<String, Routed<Candidate>> context) {
    super.init(context);
    states = context.getStateStore(STATE_STORE);
    deadlines = new Deadlines(context.getStateStore(DEADLINE_STORE));
    clock.schedule(context, this::settleDue);
  }

  @Override
  public void process(Record<String, JoinedFeedback> record) {
    clock.input();
    JoinedFeedback vote = record.value();
    String key = record.key() + '\u001f' + vote.feedback().getUserId();
    VoteState state = states.get(key);
    if (state == null) {
      long settlesAt = vote.feedbackTime() + settings.settleWindow().toMillis();
      // Feedback cast up to a join window after the generation may arrive up to a join window plus
      // grace after it was cast: until then a vote of this user must meet the settled state.
      long forgetAt =
          Math.max(
                  settlesAt,
                  vote.generation().getCreatedAt().toEpochMilli()
                      + 2 * settings.joinWindow().toMillis()
                      + settings.grace().toMillis())
              + settings.grace().toMillis();
      states.put(key, new VoteState(vote, settlesAt, forgetAt, false));
      deadlines.add(settlesAt, key);
    } else if (state.settled()) {
      context()
          .forward(
              new Record<>(
                  record.key(),
                  Routed.rejected(
                      DeadLetters.forFeedback(
                          vote.feedback(),
                          vote.origin(),
                          RejectReason.VOTE_AFTER_CLOSE,
                          "votes of user "
                              + vote.feedback().getUserId()
                              + " on "
                              + record.key()
                              + " settled as "
                              + state.latest().feedback().getKind(),
                          record.timestamp())),
                  record.timestamp()));
    } else if (isLater(vote.feedback(), state.latest().feedback())) {
      states.put(key, state.withLatest(vote));
    }
  }

  /** Feedback time first; the feedback id breaks ties so that every replica decides alike. */
  private static boolean isLater(FeedbackReceived candidate, FeedbackReceived current) {
    int byTime = candidate.getReceivedAt().compareTo(current.getReceivedAt());
    return byTime > 0
        || (byTime == 0 && candidate.getFeedbackId().compareTo(current.getFeedbackId()) > 0);
  }

  private void settleDue(long now) {
    for (String key : deadlines.popDue(now)) {
      VoteState state = states.get(key);
      if (state == null) {
        continue;
      }
      if (state.settled()) {
        states.delete(key);
        continue;
      }
      states.put(key, state.asSettled());
      deadlines.add(state.forgetAt(), key);
      JoinedFeedback last = state.latest();
      if (last.feedback().getKind() != FeedbackKind.RETRACT) {
        long at = last.feedbackTime();
        context()
            .forward(
                new Record<>(
                    last.generation().getGenerationId(),
                    Routed.ok(
                        Candidate.unary(
                            TrainingRecords.unaryFromVote(last), last.feedback(), last.origin())),
                    at));
      }
    }
  }
}
