package dev.feedloop.streams;

import dev.feedloop.schemas.UnaryFeedback;
import dev.feedloop.schemas.kafka.TopicKeys;
import dev.feedloop.streams.internal.Candidate;
import dev.feedloop.streams.internal.Deadlines;
import dev.feedloop.streams.internal.TrainingRecords;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Pairs settled votes of one prompt (keyed by prompt hash): every up-voted completion with every
 * down-voted completion of another generation whose votes lie within the pairing window. A
 * generation enters once per polarity, so each (up, down) combination is emitted exactly once, when
 * the later of its two sides arrives, whatever the number of voters.
 */
final class VotePairer extends ContextualProcessor<String, Candidate, String, Candidate> {

  static final String STORE = "vote-pairing";
  static final String DEADLINE_STORE = "vote-pairing-deadlines";
  private static final char SEPARATOR = '\u001f';
  private static final long PURGE_EVERY_MILLIS = 1000;

  private final StreamsSettings settings;
  private KeyValueStore<String, Candidate> votes;
  private Deadlines deadlines;
  private long nextPurgeAt = Long.MIN_VALUE;

  VotePairer(StreamsSettings settings) {
    this.settings = settings;
  }

  @Override
  public void init(ProcessorContext<String, Candidate> context) {
    super.init(context);
    votes = context.getStateStore(STORE);
    deadlines = new Deadlines(context.getStateStore(DEADLINE_STORE));
  }

  private static String prefix(UnaryFeedback vote, boolean desirable) {
    return vote.getPromptHash()
        + SEPARATOR
        + vote.getModelId()
        + SEPARATOR
        + (desirable ? "up" : "down")
        + SEPARATOR;
  }

  @Override
  public void process(Record<String, Candidate> record) {
    UnaryFeedback vote = record.value().unary();
    String key = prefix(vote, vote.getDesirable()) + vote.getGenerationId();
    if (votes.get(key) != null) {
      return; // this completion already stands for this polarity: no new combination
    }
    long at = vote.getCreatedAt().toEpochMilli();
    long window = settings.pairingWindow().toMillis();
    // Expire by the time of the votes this processor sees, not by task stream time: settled
    // votes arrive here late, and stream time may already be far ahead when they do.
    if (at
        >= nextPurgeAt) { // every scan opens a RocksDB iterator: at most once per second of event
      // time
      deadlines.popDue(at).forEach(votes::delete);
      nextPurgeAt = at + PURGE_EVERY_MILLIS;
    }
    votes.put(key, record.value());
    // Settled votes reach this task out of event-time order: a vote may join up to the join
    // window after its generation and then settle a pairing window plus grace later, and the
    // upstream tasks run at their own pace. Keep an entry for all of that.
    deadlines.add(
        at + settings.joinWindow().toMillis() + 2 * window + settings.grace().toMillis(), key);

    try (KeyValueIterator<String, Candidate> opposite =
        votes.prefixScan(prefix(vote, !vote.getDesirable()), Serdes.String().serializer())) {
      while (opposite.hasNext()) {
        KeyValue<String, Candidate> entry = opposite.next();
        UnaryFeedback other = entry.value.unary();
        if (other.getGenerationId().equals(vote.getGenerationId())
            || Math.abs(other.getCreatedAt().toEpochMilli() - at) > window) {
          continue;
        }
        UnaryFeedback up = vote.getDesirable() ? vote : other;
        UnaryFeedback down = vote.getDesirable() ? other : vote;
        var pair = TrainingRecords.fromVotes(up, down);
        context()
            .forward(
                new Record<>(
                    TopicKeys.of(pair),
                    Candidate.pair(pair, record.value().trigger(), record.value().origin()),
                    pair.getCreatedAt().toEpochMilli()));
      }
    }
  }
}
