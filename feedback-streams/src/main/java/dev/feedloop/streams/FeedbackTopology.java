package dev.feedloop.streams;

import dev.feedloop.schemas.DeadLetter;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.FeedbackKind;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.PromptHash;
import dev.feedloop.schemas.UnaryFeedback;
import dev.feedloop.schemas.kafka.TopicKeys;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.schemas.rules.RejectReason;
import dev.feedloop.schemas.rules.Rejection;
import dev.feedloop.schemas.rules.TrainingRecordValidator;
import dev.feedloop.streams.internal.Candidate;
import dev.feedloop.streams.internal.DeadLetters;
import dev.feedloop.streams.internal.InternalSerdes;
import dev.feedloop.streams.internal.JoinedFeedback;
import dev.feedloop.streams.internal.Routed;
import dev.feedloop.streams.internal.SourcedFeedback;
import dev.feedloop.streams.internal.TrainingRecords;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.state.Stores;

/**
 * The feedback topology, built in one place: generations and feedback (keyed by generation id) in;
 * preference pairs and unary records (keyed by prompt hash) and dead letters out.
 *
 * <pre>
 * generations ─decode─┐
 * feedback ───decode──┴─ watch ─ join (join window + grace) ─ gate: duplicate feedback id; the watch: unknown generation
 *   ├─ CHOICE ─ re-key by other candidate ─ join generations ─ pair
 *   ├─ EDIT ─ pair (edited text chosen)
 *   └─ votes ─ settle per (generation, user) ─ unary ─┬─ re-key by prompt ─ pair up/down votes
 * all records ─ validate ─ re-key by user ─ record-id dedup + per-user cap ─ out, keyed by prompt hash
 * </pre>
 *
 * Inputs are read as raw bytes so that undecodable records become dead letters with their original
 * bytes instead of stopping the application. Every processor, store and internal topic is named, so
 * that names stay stable across releases and restarts. Content rules, reason codes, record ids and
 * record keys are the schemas rulebook's ({@link TrainingRecordValidator}, {@link RejectReason},
 * {@code RecordIds}, {@link TopicKeys}), the same the trainer applies on import.
 *
 * <h2>Time: wall-clock liveness</h2>
 *
 * Every window and deadline is in event time (the records' timestamps: a generation's created_at, a
 * feedback's received_at). Whether a record is too late to enter a join is decided on stream time,
 * as Kafka Streams does. The processors that hold state until a deadline (the {@link VoteSettler},
 * the {@link JoinWatch}es, the {@link JoinGate}'s duplicate memory) read their deadlines on a
 * {@link dev.feedloop.streams.internal.TaskClock}: the task's stream time plus the wall-clock time
 * since the task last had input, checked on stream time and every {@link
 * StreamsSettings#wallClockInterval()} of wall clock. While input flows that is stream time, so a
 * backlog replays exactly as it ran live; on a quiet partition event time is taken to go on with
 * the wall clock, so a lone vote is settled and emitted within the settle window (pairing window
 * plus grace) plus one wall-clock interval of its arrival, and feedback on a generation that never
 * comes is dead-lettered on time. Lateness is measured against that same clock: a vote arriving
 * after its votes settled is {@code vote-after-close} whichever clock settled them.
 *
 * <p>The {@link VotePairer} and the {@link UserCapGuard} need no clock: they emit as each record
 * arrives, and expire their entries by the times of the records they see (which reach them behind
 * stream time); a quiet partition holds a bounded set of entries there until its next record.
 */
public final class FeedbackTopology {

  private static final Serde<String> KEYS = Serdes.String();
  private static final EventSerde<GenerationLogged> GENERATIONS =
      EventSerde.of(GenerationLogged.class);
  private static final EventSerde<FeedbackReceived> FEEDBACK =
      EventSerde.of(FeedbackReceived.class);
  private static final EventSerde<PreferencePair> PAIRS = EventSerde.of(PreferencePair.class);
  private static final EventSerde<UnaryFeedback> UNARY = EventSerde.of(UnaryFeedback.class);
  private static final EventSerde<DeadLetter> DEAD_LETTERS = EventSerde.of(DeadLetter.class);

  private FeedbackTopology() {}

  public static Topology build(TopicNames topics, StreamsSettings settings) {
    return build(topics, settings, FeedbackStreamsMetrics.inMemory());
  }

  public static Topology build(
      TopicNames topics, StreamsSettings settings, FeedbackStreamsMetrics metrics) {
    StreamsBuilder builder = new StreamsBuilder();
    addStores(builder);
    List<KStream<String, DeadLetter>> deadLetters = new ArrayList<>();
    TrainingRecordValidator validator = new TrainingRecordValidator(settings.recordLimits());
    Serde<SourcedFeedback> sourcedFeedback = InternalSerdes.sourcedFeedback();
    Serde<JoinedFeedback> joinedFeedback = InternalSerdes.joinedFeedback();
    Serde<Candidate> candidates = InternalSerdes.candidate();

    KStream<String, GenerationLogged> generations =
        accepted(
            builder.stream(
                    topics.generations(),
                    Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())
                        .withName("generations-source"))
                .process(
                    () ->
                        new InputDecoder<>(
                            GENERATIONS,
                            FeedbackTopology::checkGeneration,
                            (event, origin) -> event,
                            metrics),
                    Named.as("decode-generations")),
            "generations",
            deadLetters);
    KStream<String, SourcedFeedback> decodedFeedback =
        accepted(
            builder.stream(
                    topics.feedback(),
                    Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())
                        .withName("feedback-source"))
                .process(
                    () ->
                        new InputDecoder<>(
                            FEEDBACK,
                            FeedbackTopology::checkFeedback,
                            SourcedFeedback::new,
                            metrics),
                    Named.as("decode-feedback")),
            "feedback",
            deadLetters);
    KStream<String, SourcedFeedback> feedback =
        accepted(
            decodedFeedback.process(
                () ->
                    new JoinWatch<SourcedFeedback>(
                        settings,
                        JoinGate.PENDING_FEEDBACK,
                        JoinGate.PENDING_FEEDBACK_DEADLINES,
                        sourced ->
                            new JoinedFeedback(sourced.feedback(), sourced.origin(), null, null),
                        (unmatched, closedAt) ->
                            DeadLetters.forFeedback(
                                unmatched.feedback(),
                                unmatched.origin(),
                                RejectReason.UNKNOWN_GENERATION,
                                unknownDetail(unmatched.feedback().getGenerationId(), settings),
                                closedAt)),
                Named.as("feedback-join-watch"),
                JoinGate.PENDING_FEEDBACK,
                JoinGate.PENDING_FEEDBACK_DEADLINES),
            "feedback-join-watch",
            deadLetters);

    JoinWindows joinWindows =
        JoinWindows.ofTimeDifferenceAndGrace(settings.joinWindow(), settings.grace());
    KStream<String, JoinedFeedback> joined =
        accepted(
            feedback
                .join(
                    generations,
                    (sourced, generation) ->
                        new JoinedFeedback(sourced.feedback(), sourced.origin(), generation, null),
                    joinWindows,
                    StreamJoined.with(KEYS, sourcedFeedback, GENERATIONS)
                        .withName("feedback-generation-join")
                        .withStoreName("feedback-generation-join"))
                .process(
                    () -> new JoinGate(settings, metrics, false),
                    Named.as("feedback-gate"),
                    JoinGate.PENDING_FEEDBACK,
                    JoinGate.SEEN_STORE,
                    JoinGate.SEEN_DEADLINES),
            "joined",
            deadLetters);

    Map<String, KStream<String, JoinedFeedback>> byKind =
        joined
            .split(Named.as("kind-"))
            .branch(
                (key, value) -> value.feedback().getKind() == FeedbackKind.CHOICE,
                Branched.as("choice"))
            .branch(
                (key, value) -> value.feedback().getKind() == FeedbackKind.EDIT,
                Branched.as("edit"))
            .defaultBranch(Branched.as("vote"));

    KStream<String, JoinedFeedback> choicesByOther =
        accepted(
            byKind
                .get("kind-choice")
                .selectKey(
                    (key, choice) -> choice.feedback().getOtherGenerationId(),
                    Named.as("choice-key-by-other-generation"))
                .repartition(
                    Repartitioned.with(KEYS, joinedFeedback).withName("choice-by-other-generation"))
                .process(
                    () ->
                        new JoinWatch<JoinedFeedback>(
                            settings,
                            JoinGate.PENDING_CHOICES,
                            JoinGate.PENDING_CHOICES_DEADLINES,
                            choice -> choice,
                            (unmatched, closedAt) ->
                                DeadLetters.forFeedback(
                                    unmatched.feedback(),
                                    unmatched.origin(),
                                    RejectReason.UNKNOWN_GENERATION,
                                    unknownDetail(
                                        unmatched.feedback().getOtherGenerationId(), settings),
                                    closedAt)),
                    Named.as("choice-join-watch"),
                    JoinGate.PENDING_CHOICES,
                    JoinGate.PENDING_CHOICES_DEADLINES),
            "choice-join-watch",
            deadLetters);
    KStream<String, JoinedFeedback> completeChoices =
        accepted(
            choicesByOther
                .join(
                    generations,
                    JoinedFeedback::withOther,
                    joinWindows,
                    StreamJoined.with(KEYS, joinedFeedback, GENERATIONS)
                        .withName("choice-other-join")
                        .withStoreName("choice-other-join"))
                .process(
                    () -> new JoinGate(settings, metrics, true),
                    Named.as("choice-gate"),
                    JoinGate.PENDING_CHOICES),
            "choice",
            deadLetters);
    KStream<String, Candidate> choicePairs =
        accepted(
            completeChoices.mapValues(FeedbackTopology::choicePair, Named.as("choice-pair")),
            "choice-pair",
            deadLetters);
    KStream<String, Candidate> editPairs =
        byKind
            .get("kind-edit")
            .mapValues(
                edit ->
                    Candidate.pair(TrainingRecords.fromEdit(edit), edit.feedback(), edit.origin()),
                Named.as("edit-pair"));

    KStream<String, Candidate> settledVotes =
        accepted(
            byKind
                .get("kind-vote")
                .process(
                    () -> new VoteSettler(settings),
                    Named.as("vote-settler"),
                    VoteSettler.STATE_STORE,
                    VoteSettler.DEADLINE_STORE),
            "vote-settler",
            deadLetters);
    KStream<String, Candidate> validUnary =
        validated(settledVotes, validator, "unary", deadLetters);
    KStream<String, Candidate> votePairs =
        validUnary
            .selectKey((key, vote) -> vote.unary().getPromptHash(), Named.as("votes-key-by-prompt"))
            .repartition(Repartitioned.with(KEYS, candidates).withName("votes-by-prompt"))
            .process(
                () -> new VotePairer(settings),
                Named.as("vote-pairer"),
                VotePairer.STORE,
                VotePairer.DEADLINE_STORE);
    KStream<String, Candidate> validPairs =
        validated(
            choicePairs
                .merge(editPairs, Named.as("merge-edit-pairs"))
                .merge(votePairs, Named.as("merge-vote-pairs")),
            validator,
            "pair",
            deadLetters);

    KStream<String, Candidate> released =
        accepted(
            validUnary
                .merge(validPairs, Named.as("merge-training-records"))
                .selectKey((key, record) -> record.userId(), Named.as("records-key-by-user"))
                .repartition(
                    Repartitioned.with(KEYS, candidates).withName("training-records-by-user"))
                .process(
                    () -> new UserCapGuard(settings, metrics),
                    Named.as("user-cap"),
                    UserCapGuard.COUNT_STORE,
                    UserCapGuard.EMITTED_STORE,
                    UserCapGuard.DEADLINE_STORE),
            "user-cap",
            deadLetters);

    released
        .filter((key, record) -> record.isPair(), Named.as("only-pairs"))
        .mapValues(Candidate::pair, Named.as("pair-value"))
        .peek((key, pair) -> metrics.pairOut(pair.getSource()), Named.as("count-pairs"))
        .to(topics.preferencePairs(), Produced.with(KEYS, PAIRS).withName("preference-pairs-sink"));
    released
        .filter((key, record) -> !record.isPair(), Named.as("only-unary"))
        .mapValues(Candidate::unary, Named.as("unary-value"))
        .peek((key, unary) -> metrics.unaryOut(), Named.as("count-unary"))
        .to(topics.unaryFeedback(), Produced.with(KEYS, UNARY).withName("unary-feedback-sink"));

    KStream<String, DeadLetter> allDeadLetters = deadLetters.get(0);
    for (int i = 1; i < deadLetters.size(); i++) {
      allDeadLetters =
          allDeadLetters.merge(deadLetters.get(i), Named.as("merge-dead-letters-" + i));
    }
    allDeadLetters
        .peek(
            (key, letter) -> metrics.deadLetter(letter.getReason()), Named.as("count-dead-letters"))
        .map(
            (key, letter) -> KeyValue.pair(DeadLetters.key(letter), letter),
            Named.as("dead-letter-source-key"))
        .to(
            topics.deadLetter(),
            Produced.with(Serdes.ByteArray(), DEAD_LETTERS).withName("dead-letter-sink"));

    return builder.build();
  }

  private static void addStores(StreamsBuilder builder) {
    Serde<Long> longs = Serdes.Long();
    Serde<String> strings = Serdes.String();
    addStore(builder, JoinGate.SEEN_STORE, longs);
    addStore(builder, JoinGate.SEEN_DEADLINES, strings);
    for (String pending : List.of(JoinGate.PENDING_FEEDBACK, JoinGate.PENDING_CHOICES)) {
      addStore(builder, pending, InternalSerdes.joinedFeedback());
      addStore(builder, pending + "-deadlines", strings);
    }
    addStore(builder, VoteSettler.STATE_STORE, InternalSerdes.voteState());
    addStore(builder, VoteSettler.DEADLINE_STORE, strings);
    addStore(builder, VotePairer.STORE, InternalSerdes.candidate());
    addStore(builder, VotePairer.DEADLINE_STORE, strings);
    addStore(builder, UserCapGuard.COUNT_STORE, longs);
    addStore(builder, UserCapGuard.EMITTED_STORE, longs);
    addStore(builder, UserCapGuard.DEADLINE_STORE, strings);
  }

  /**
   * Persistent, changelogged and cached: most entries are written and deleted again within one
   * commit interval (a feedback awaiting its generation that arrives a moment later), and the cache
   * keeps those from ever reaching RocksDB or the changelog.
   */
  private static <V> void addStore(StreamsBuilder builder, String name, Serde<V> values) {
    builder.addStateStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), KEYS, values)
            .withCachingEnabled());
  }

  /** Splits off the rejected records (into {@code deadLetters}) and returns the accepted values. */
  private static <V> KStream<String, V> accepted(
      KStream<String, Routed<V>> routed,
      String name,
      List<KStream<String, DeadLetter>> deadLetters) {
    Map<String, KStream<String, Routed<V>>> branches =
        routed
            .split(Named.as(name + "-"))
            .branch((key, value) -> value.isRejected(), Branched.as("rejected"))
            .defaultBranch(Branched.as("accepted"));
    deadLetters.add(
        branches
            .get(name + "-rejected")
            .mapValues(Routed::deadLetter, Named.as(name + "-dead-letter")));
    return branches.get(name + "-accepted").mapValues(Routed::value, Named.as(name + "-value"));
  }

  private static KStream<String, Candidate> validated(
      KStream<String, Candidate> candidates,
      TrainingRecordValidator validator,
      String name,
      List<KStream<String, DeadLetter>> deadLetters) {
    return accepted(
        candidates.mapValues(
            candidate -> {
              Optional<Rejection> rejection =
                  candidate.isPair()
                      ? validator.check(candidate.pair())
                      : validator.check(candidate.unary());
              return rejection.isEmpty()
                  ? Routed.ok(candidate)
                  : Routed.<Candidate>rejected(
                      DeadLetters.forCandidate(
                          candidate,
                          rejection.get().reason(),
                          rejection.get().detail(),
                          candidate.createdAt()));
            },
            Named.as("validate-" + name)),
        "validate-" + name,
        deadLetters);
  }

  private static Routed<Candidate> choicePair(JoinedFeedback choice) {
    GenerationLogged chosen = choice.generation();
    GenerationLogged rejected = choice.other();
    if (!chosen.getModelId().equals(rejected.getModelId())
        || !PromptHash.of(chosen.getPrompt()).equals(PromptHash.of(rejected.getPrompt()))) {
      return Routed.rejected(
          DeadLetters.forFeedback(
              choice.feedback(),
              choice.origin(),
              RejectReason.INVALID_FEEDBACK,
              "choice between "
                  + chosen.getGenerationId()
                  + " and "
                  + rejected.getGenerationId()
                  + ", which answer different prompts or models",
              choice.feedbackTime()));
    }
    return Routed.ok(
        Candidate.pair(TrainingRecords.fromChoice(choice), choice.feedback(), choice.origin()));
  }

  private static String unknownDetail(String generationId, StreamsSettings settings) {
    return "no generation "
        + generationId
        + " within the join window "
        + settings.joinWindow()
        + " plus grace "
        + settings.grace();
  }

  static Optional<Rejection> checkGeneration(GenerationLogged generation, String key) {
    if (!TopicKeys.of(generation).equals(key)) {
      return Optional.of(
          new Rejection(
              RejectReason.INVALID_GENERATION,
              "key " + key + " is not generation_id " + generation.getGenerationId()));
    }
    return Optional.empty();
  }

  static Optional<Rejection> checkFeedback(FeedbackReceived feedback, String key) {
    String problem = null;
    if (!TopicKeys.of(feedback).equals(key)) {
      problem = "key " + key + " is not generation_id " + feedback.getGenerationId();
    } else if (feedback.getUserId().isBlank()) {
      problem = "no user id";
    } else if (feedback.getKind() == FeedbackKind.CHOICE
        && (feedback.getOtherGenerationId() == null || feedback.getOtherGenerationId().isBlank())) {
      problem = "CHOICE without other_generation_id";
    } else if (feedback.getKind() == FeedbackKind.CHOICE
        && feedback.getOtherGenerationId().equals(feedback.getGenerationId())) {
      problem = "CHOICE of a generation over itself";
    } else if (feedback.getKind() == FeedbackKind.EDIT && feedback.getEditedText() == null) {
      problem = "EDIT without edited_text";
    }
    return Optional.ofNullable(problem)
        .map(detail -> new Rejection(RejectReason.INVALID_FEEDBACK, detail));
  }
}
