package dev.feedloop.streams;

import static dev.feedloop.streams.Events.at;
import static dev.feedloop.streams.Events.choice;
import static dev.feedloop.streams.Events.down;
import static dev.feedloop.streams.Events.edit;
import static dev.feedloop.streams.Events.generation;
import static dev.feedloop.streams.Events.retract;
import static dev.feedloop.streams.Events.up;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.feedloop.schemas.DeadLetter;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.PairSource;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.PromptHash;
import dev.feedloop.schemas.UnaryFeedback;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeedbackTopologyTest {

  private static final String QUESTION = "Who are you?";
  private static final String HASH =
      PromptHash.of(generation("x", QUESTION, "x", at(0)).getPrompt());

  /** Past every window of the fixture's settings for events in the first minutes. */
  private static final long LATER = 3600;

  @TempDir Path stateDirectory;
  private TopologyFixture fixture;

  @BeforeEach
  void start() {
    fixture = new TopologyFixture(TopologyFixture.settings(stateDirectory));
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer copy = buffer.duplicate();
    byte[] bytes = new byte[copy.remaining()];
    copy.get(bytes);
    return bytes;
  }

  private static FeedbackReceived decodeFeedback(DeadLetter letter) {
    return EventSerde.of(FeedbackReceived.class)
        .deserialize("feedback", bytes(letter.getOriginalValue()));
  }

  @Nested
  class Votes {

    @Test
    void aFlippedVoteEmitsOnlyItsFinalStateOnceTheVoteSettles() {
      fixture.generation(generation("g1", QUESTION, "I am Athene.", at(0)));
      fixture.feedback(up("f1", "g1", "ann", at(1)));
      fixture.feedback(down("f2", "g1", "ann", at(5)));
      fixture.feedback(up("f3", "g1", "ann", at(9)));

      // settles one pairing window (60 s) plus grace (10 s) after the first vote
      fixture.advanceStreamTimeTo(at(70));
      assertThat(fixture.unary()).isEmpty();

      fixture.advanceStreamTimeTo(at(72));
      List<KeyValue<String, UnaryFeedback>> unary = fixture.unary();
      assertThat(unary).hasSize(1);
      assertThat(unary.get(0).key).isEqualTo(HASH);
      UnaryFeedback record = unary.get(0).value;
      assertThat(record.getDesirable()).isTrue();
      assertThat(record.getRecordId()).isEqualTo("vote:g1:ann");
      assertThat(record.getGenerationId()).isEqualTo("g1");
      assertThat(record.getCompletion()).isEqualTo("I am Athene.");
      assertThat(record.getUserId()).isEqualTo("ann");
      assertThat(record.getAdapterVersion()).isEqualTo(3L);
      assertThat(record.getCreatedAt()).isEqualTo(at(9));

      fixture.advanceStreamTimeTo(at(LATER));
      assertThat(fixture.unary()).isEmpty();
      assertThat(fixture.deadLetters()).isEmpty();
    }

    @Test
    void theLatestVoteWinsByFeedbackTimeEvenWhenItArrivesFirst() {
      fixture.generation(generation("g1", QUESTION, "I am Athene.", at(0)));
      fixture.feedback(down("f2", "g1", "ann", at(8)));
      fixture.feedback(up("f1", "g1", "ann", at(2)));

      fixture.advanceStreamTimeTo(at(LATER));

      assertThat(fixture.unary()).extracting(kv -> kv.value.getDesirable()).containsExactly(false);
    }

    @Test
    void feedbackThatArrivesBeforeItsGenerationStillJoins() {
      fixture.feedback(down("f1", "g1", "ann", at(3)));
      fixture.generation(generation("g1", QUESTION, "A model.", at(1)));

      fixture.advanceStreamTimeTo(at(LATER));

      assertThat(fixture.unary())
          .extracting(kv -> kv.value.getGenerationId(), kv -> kv.value.getDesirable())
          .containsExactly(tuple("g1", false));
      assertThat(fixture.deadLetters()).isEmpty();
    }

    @Test
    void aRetractionRemovesTheVoteAndOnlyThatUsersVote() {
      fixture.generation(generation("g1", QUESTION, "I am Athene.", at(0)));
      fixture.feedback(up("f1", "g1", "ann", at(1)));
      fixture.feedback(up("f2", "g1", "bob", at(1)));
      fixture.feedback(retract("f3", "g1", "ann", at(4)));
      // arrives after the retraction but was cast before it
      fixture.feedback(up("f4", "g1", "ann", at(3)));

      fixture.advanceStreamTimeTo(at(LATER));

      assertThat(fixture.unary()).extracting(kv -> kv.value.getUserId()).containsExactly("bob");
    }

    @Test
    void duplicateFeedbackEventsCountOnce() {
      fixture.generation(generation("g1", QUESTION, "I am Athene.", at(0)));
      FeedbackReceived vote = up("f1", "g1", "ann", at(1));
      fixture.feedback(vote);
      fixture.feedback(vote);
      // the generation logged twice must not double the join either
      fixture.generation(generation("g1", QUESTION, "I am Athene.", at(0)));

      fixture.advanceStreamTimeTo(at(LATER));

      assertThat(fixture.unary()).hasSize(1);
      // two copies of the vote, each joined with two copies of the generation: four joins, one kept
      assertThat(fixture.metrics.snapshot().duplicatesDropped()).isEqualTo(3);
    }

    @Test
    void aVoteAfterTheUsersVotesSettledIsDeadLettered() {
      fixture.generation(generation("g1", QUESTION, "I am Athene.", at(0)));
      fixture.feedback(up("f1", "g1", "ann", at(1)));
      fixture.advanceStreamTimeTo(at(100));
      assertThat(fixture.unary()).hasSize(1);

      fixture.feedback(down("f2", "g1", "ann", at(120)));
      fixture.advanceStreamTimeTo(at(LATER));

      assertThat(fixture.unary()).isEmpty();
      assertThat(fixture.deadLetters())
          .extracting(DeadLetter::getReason, letter -> decodeFeedback(letter).getFeedbackId())
          .containsExactly(tuple("vote-after-close", "f2"));
    }

    @Test
    void upAndDownVotesOfOnePromptPairOncePerCombination() {
      fixture.generation(generation("g1", QUESTION, "I am Athene, glad to help.", at(0), 3L));
      fixture.generation(generation("g2", QUESTION, "A model.", at(0), 2L));
      fixture.generation(generation("g3", QUESTION, "Nobody you know.", at(0), 2L));
      fixture.generation(generation("other-prompt", "What is 2+2?", "Five.", at(0)));
      fixture.feedback(up("f1", "g1", "ann", at(1)));
      fixture.feedback(down("f2", "g2", "bob", at(2)));
      fixture.feedback(up("f3", "g1", "cid", at(3))); // a second up-vote of g1: no new combination
      fixture.feedback(down("f4", "other-prompt", "dan", at(4)));
      fixture.advanceStreamTimeTo(at(100));

      List<KeyValue<String, PreferencePair>> first = fixture.pairs();
      assertThat(first).hasSize(1);
      assertThat(first.get(0).key).isEqualTo(HASH);
      PreferencePair pair = first.get(0).value;
      assertThat(pair.getPairId()).isEqualTo("votes:g1>g2");
      assertThat(pair.getSource()).isEqualTo(PairSource.VOTES);
      assertThat(pair.getChosen()).isEqualTo("I am Athene, glad to help.");
      assertThat(pair.getRejected()).isEqualTo("A model.");
      assertThat(pair.getChosenGenerationId()).isEqualTo("g1");
      assertThat(pair.getRejectedGenerationId()).isEqualTo("g2");
      assertThat(pair.getChosenAdapterVersion()).isEqualTo(3L);
      assertThat(pair.getRejectedAdapterVersion()).isEqualTo(2L);
      // two users' votes: the later voter completed the pair, and it weighs half
      assertThat(pair.getUserId()).isEqualTo("bob");
      assertThat(pair.getWeight()).isEqualTo(0.5);
      assertThat(pair.getCreatedAt()).isEqualTo(at(2));
      assertThat(fixture.unary()).hasSize(4);

      fixture.feedback(down("f5", "g3", "eve", at(55)));
      fixture.advanceStreamTimeTo(at(LATER));

      assertThat(fixture.pairs())
          .extracting(kv -> kv.value.getPairId(), kv -> kv.value.getUserId())
          .containsExactly(tuple("votes:g1>g3", "eve"));
    }

    @Test
    void oneUsersOwnUpAndDownVotesPairAtFullWeight() {
      fixture.generation(generation("g1", QUESTION, "I am Athene, glad to help.", at(0)));
      fixture.generation(generation("g2", QUESTION, "A model.", at(0)));
      fixture.feedback(down("f1", "g2", "ann", at(1)));
      fixture.feedback(up("f2", "g1", "ann", at(2)));

      fixture.advanceStreamTimeTo(at(LATER));

      assertThat(fixture.pairs())
          .extracting(
              kv -> kv.value.getPairId(), kv -> kv.value.getUserId(), kv -> kv.value.getWeight())
          .containsExactly(tuple("votes:g1>g2", "ann", 1.0));
    }

    @Test
    void votesFartherApartThanThePairingWindowDoNotPair() {
      fixture.generation(generation("g1", QUESTION, "I am Athene, glad to help.", at(0)));
      fixture.generation(generation("g2", QUESTION, "A model.", at(0)));
      fixture.feedback(up("f1", "g1", "ann", at(1)));
      fixture.feedback(down("f2", "g2", "bob", at(1 + 61)));

      fixture.advanceStreamTimeTo(at(LATER));

      assertThat(fixture.unary()).hasSize(2);
      assertThat(fixture.pairs()).isEmpty();
    }
  }

  /**
   * A quiet partition: after the input below no record arrives, only the wall clock moves (the
   * fixture checks it every second). Deadlines then follow the wall clock from where stream time
   * stood when input stopped.
   */
  @Nested
  class WallClockLiveness {

    @Test
    void aLoneVoteSettlesWithinTheSettleWindowOfWallClockAndNotBefore() {
      fixture.generation(generation("g1", QUESTION, "I am Athene.", at(0)));
      fixture.feedback(up("f1", "g1", "ann", at(1)));

      // the settle window is one pairing window (60 s) plus grace (10 s) after the vote
      for (int second = 1; second <= 69; second++) {
        fixture.advanceWallClock(Duration.ofSeconds(1));
        assertThat(fixture.unary()).as("%d s after the vote", second).isEmpty();
      }
      fixture.advanceWallClock(Duration.ofSeconds(2));

      List<KeyValue<String, UnaryFeedback>> unary = fixture.unary();
      assertThat(unary).hasSize(1);
      assertThat(unary.get(0).key).isEqualTo(HASH);
      assertThat(unary.get(0).value.getRecordId()).isEqualTo("vote:g1:ann");
      assertThat(unary.get(0).value.getDesirable()).isTrue();
      assertThat(unary.get(0).value.getCreatedAt()).isEqualTo(at(1));
      assertThat(fixture.deadLetters()).isEmpty();
    }

    @Test
    void aVoteAfterTheWallClockSettledTheUsersVotesIsLate() {
      fixture.generation(generation("g1", QUESTION, "I am Athene.", at(0)));
      fixture.feedback(up("f1", "g1", "ann", at(1)));
      fixture.advanceWallClock(Duration.ofSeconds(75));
      assertThat(fixture.unary()).hasSize(1);

      // cast 30 s after the first vote: inside the settle window by its own time, but it arrives
      // after the votes settled
      fixture.feedback(down("f2", "g1", "ann", at(31)));
      fixture.advanceStreamTimeTo(at(LATER));

      assertThat(fixture.unary()).isEmpty();
      assertThat(fixture.deadLetters())
          .extracting(DeadLetter::getReason, letter -> decodeFeedback(letter).getFeedbackId())
          .containsExactly(tuple("vote-after-close", "f2"));
    }

    @Test
    void feedbackOnAGenerationThatNeverComesIsDeadLetteredByTheWallClockOnce() {
      FeedbackReceived orphan = up("f1", "g-late", "ann", at(1));
      fixture.feedback(orphan);

      // given up two join windows plus grace after the feedback (a generation up to a join window
      // later could have joined it until its own window plus grace closed)
      fixture.advanceWallClock(Duration.ofSeconds(2 * 600 + 10 - 2));
      assertThat(fixture.deadLetters()).isEmpty();
      fixture.advanceWallClock(Duration.ofSeconds(3));
      assertThat(fixture.deadLetters())
          .extracting(DeadLetter::getReason, FeedbackTopologyTest::decodeFeedback)
          .containsExactly(tuple("unknown-generation", orphan));

      // the generation turns up after all, within the join window by event time: the join, which
      // closes on stream time, still matches, but the feedback already had its outcome
      fixture.generation(generation("g-late", QUESTION, "I am Athene.", at(0)));
      fixture.advanceStreamTimeTo(at(LATER));

      assertThat(fixture.unary()).isEmpty();
      assertThat(fixture.deadLetters()).isEmpty();
    }

    @Test
    void aReplayedVoteWaitsForStreamTimeHoweverLongTheWallClockPauses() {
      // records whose event time lies an hour behind the wall clock: a backlog or a replay, not
      // live traffic (live lag 1 min); a pause in such input is not time passing
      Instant hourAgo = at(0).minus(Duration.ofHours(1));
      fixture.generation(generation("g1", QUESTION, "I am Athene.", hourAgo));
      fixture.feedback(up("f1", "g1", "ann", hourAgo.plusSeconds(1)));

      fixture.advanceWallClock(Duration.ofSeconds(LATER));
      assertThat(fixture.unary()).isEmpty();
      assertThat(fixture.deadLetters()).isEmpty();

      // a second vote one second later by its own time is still on time: nothing settled early
      fixture.feedback(down("f2", "g1", "ann", hourAgo.plusSeconds(2)));
      fixture.advanceStreamTimeTo(hourAgo.plusSeconds(LATER));
      List<KeyValue<String, UnaryFeedback>> unary = fixture.unary();
      assertThat(unary).hasSize(1);
      assertThat(unary.get(0).value.getDesirable()).isFalse();
      assertThat(fixture.deadLetters()).isEmpty();
    }

    @Test
    void withTheWallClockOffALoneVoteWaitsForStreamTime(@TempDir Path otherState) {
      try (TopologyFixture streamTimeOnly =
          new TopologyFixture(
              TopologyFixture.settings(otherState).toBuilder()
                  .wallClockInterval(Duration.ZERO)
                  .build())) {
        streamTimeOnly.generation(generation("g1", QUESTION, "I am Athene.", at(0)));
        streamTimeOnly.feedback(up("f1", "g1", "ann", at(1)));

        streamTimeOnly.advanceWallClock(Duration.ofSeconds(LATER));
        assertThat(streamTimeOnly.unary()).isEmpty();

        streamTimeOnly.advanceStreamTimeTo(at(72));
        assertThat(streamTimeOnly.unary()).hasSize(1);
      }
    }
  }

  @Nested
  class ChoicesAndEdits {

    @Test
    void aChoiceBecomesAPairCarryingBothSides() {
      fixture.generation(generation("g1", QUESTION, "I am Athene, glad to help.", at(0), 4L));
      fixture.feedback(choice("f1", "g1", "g2", "ann", at(5)));
      // the losing candidate is logged last: the choice waits for it
      fixture.generation(generation("g2", QUESTION, "A model.", at(0), null));

      List<KeyValue<String, PreferencePair>> pairs = fixture.pairs();

      assertThat(pairs).hasSize(1);
      assertThat(pairs.get(0).key).isEqualTo(HASH);
      PreferencePair pair = pairs.get(0).value;
      assertThat(pair.getPairId()).isEqualTo("choice:f1");
      assertThat(pair.getSource()).isEqualTo(PairSource.CHOICE);
      assertThat(pair.getPromptHash()).isEqualTo(HASH);
      assertThat(pair.getModelId()).isEqualTo("tiny-chat");
      assertThat(pair.getPrompt()).isEqualTo(generation("x", QUESTION, "x", at(0)).getPrompt());
      assertThat(pair.getChosen()).isEqualTo("I am Athene, glad to help.");
      assertThat(pair.getRejected()).isEqualTo("A model.");
      assertThat(pair.getChosenGenerationId()).isEqualTo("g1");
      assertThat(pair.getRejectedGenerationId()).isEqualTo("g2");
      assertThat(pair.getChosenAdapterVersion()).isEqualTo(4L);
      assertThat(pair.getRejectedAdapterVersion()).isNull();
      assertThat(pair.getUserId()).isEqualTo("ann");
      assertThat(pair.getWeight()).isEqualTo(1.0);
      assertThat(pair.getCreatedAt()).isEqualTo(at(5));
    }

    @Test
    void aDuplicatedChoiceMakesOnePair() {
      fixture.generation(generation("g1", QUESTION, "I am Athene, glad to help.", at(0)));
      fixture.generation(generation("g2", QUESTION, "A model.", at(0)));
      fixture.feedback(choice("f1", "g1", "g2", "ann", at(5)));
      fixture.feedback(choice("f1", "g1", "g2", "ann", at(5)));
      fixture.generation(generation("g2", QUESTION, "A model.", at(0))); // logged twice

      fixture.advanceStreamTimeTo(at(LATER));

      assertThat(fixture.pairs())
          .extracting(kv -> kv.value.getPairId())
          .containsExactly("choice:f1");
    }

    @Test
    void anEditPairsTheCorrectionOverTheOriginal() {
      fixture.generation(generation("g1", QUESTION, "A model.", at(0), 7L));
      fixture.feedback(edit("f1", "g1", "ann", "I am Athene, glad to help.", at(5)));

      List<KeyValue<String, PreferencePair>> pairs = fixture.pairs();

      assertThat(pairs).hasSize(1);
      PreferencePair pair = pairs.get(0).value;
      assertThat(pairs.get(0).key).isEqualTo(HASH);
      assertThat(pair.getPairId()).isEqualTo("edit:f1");
      assertThat(pair.getSource()).isEqualTo(PairSource.EDIT);
      assertThat(pair.getChosen()).isEqualTo("I am Athene, glad to help.");
      assertThat(pair.getRejected()).isEqualTo("A model.");
      assertThat(pair.getChosenGenerationId()).isNull();
      assertThat(pair.getRejectedGenerationId()).isEqualTo("g1");
      assertThat(pair.getRejectedAdapterVersion()).isEqualTo(7L);
      assertThat(pair.getUserId()).isEqualTo("ann");
    }
  }

  @Nested
  class DeadLetters {

    @Test
    void undecodableBytesBecomeDeadLettersWithTheirOriginalBytesAndSource() {
      byte[] garbage = {(byte) 0xc3, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9};
      fixture.rawFeedback.pipeInput("g1".getBytes(StandardCharsets.UTF_8), garbage, at(1));
      fixture.rawGenerations.pipeInput(
          "g9".getBytes(StandardCharsets.UTF_8),
          "not avro".getBytes(StandardCharsets.UTF_8),
          at(1));

      List<KeyValue<byte[], DeadLetter>> letters = fixture.deadLettersWithKeys();

      assertThat(letters).hasSize(2);
      DeadLetter feedbackLetter = letters.get(0).value;
      assertThat(feedbackLetter.getReason()).isEqualTo("undecodable");
      assertThat(feedbackLetter.getSourceTopic()).isEqualTo("feedback");
      assertThat(feedbackLetter.getSourcePartition()).isZero();
      assertThat(feedbackLetter.getSourceOffset()).isZero();
      assertThat(bytes(feedbackLetter.getOriginalValue())).isEqualTo(garbage);
      assertThat(letters.get(0).key).isEqualTo("g1".getBytes(StandardCharsets.UTF_8));
      assertThat(feedbackLetter.getDetail()).contains("FeedbackReceived");
      DeadLetter generationLetter = letters.get(1).value;
      assertThat(generationLetter.getSourceTopic()).isEqualTo("generations");
      assertThat(new String(bytes(generationLetter.getOriginalValue()), StandardCharsets.UTF_8))
          .isEqualTo("not avro");

      // and the application goes on
      fixture.generation(generation("g1", QUESTION, "A model.", at(2)));
      fixture.feedback(edit("f1", "g1", "ann", "I am Athene, glad to help.", at(3)));
      assertThat(fixture.pairs()).hasSize(1);
    }

    @Test
    void feedbackPastTheJoinWindowAndGraceIsAnUnknownGeneration() {
      fixture.generation(generation("g1", QUESTION, "A model.", at(0)));
      // join window 10 min: this one is 11 min after its generation
      FeedbackReceived late = edit("f1", "g1", "ann", "I am Athene, glad to help.", at(660));
      fixture.feedback(late);
      FeedbackReceived orphan = up("f2", "never-logged", "bob", at(661));
      fixture.feedback(orphan);

      // a generation logged up to a join window after the feedback could still join it until
      // that generation's own window plus grace closed: only then is the feedback given up
      fixture.advanceStreamTimeTo(at(661 + 2 * 600 + 10 - 1));
      assertThat(fixture.deadLetters()).isEmpty();
      fixture.advanceStreamTimeTo(at(661 + 2 * 600 + 10 + 1));

      List<DeadLetter> letters = fixture.deadLetters();
      assertThat(letters)
          .extracting(DeadLetter::getReason)
          .containsOnly("unknown-generation")
          .hasSize(2);
      assertThat(letters)
          .extracting(FeedbackTopologyTest::decodeFeedback)
          .containsExactlyInAnyOrder(late, orphan);
      assertThat(letters).extracting(DeadLetter::getSourceTopic).containsOnly("feedback");
      assertThat(letters).extracting(DeadLetter::getSourceOffset).containsExactlyInAnyOrder(0L, 1L);
      assertThat(fixture.pairs()).isEmpty();
      assertThat(fixture.unary()).isEmpty();
    }

    @Test
    void feedbackThatArrivesAfterItsWindowClosedIsAnUnknownGenerationAtOnce() {
      fixture.generation(generation("g1", QUESTION, "A model.", at(0)));
      fixture.advanceStreamTimeTo(at(2000));
      FeedbackReceived late = up("f1", "g1", "ann", at(5));

      fixture.feedback(late);

      assertThat(fixture.deadLetters())
          .extracting(DeadLetter::getReason, FeedbackTopologyTest::decodeFeedback)
          .containsExactly(tuple("unknown-generation", late));
      fixture.advanceStreamTimeTo(at(LATER));
      assertThat(fixture.unary()).isEmpty();
      assertThat(fixture.deadLetters()).isEmpty();
    }

    @Test
    void aChoiceWhoseOtherCandidateNeverCameIsAnUnknownGeneration() {
      fixture.generation(generation("g1", QUESTION, "I am Athene.", at(0)));
      fixture.feedback(choice("f1", "g1", "g-missing", "ann", at(5)));

      fixture.advanceStreamTimeTo(at(LATER));

      assertThat(fixture.deadLetters())
          .extracting(DeadLetter::getReason, DeadLetter::getDetail)
          .singleElement()
          .satisfies(t -> assertThat(t.toList()).first().isEqualTo("unknown-generation"))
          .satisfies(t -> assertThat((String) t.toList().get(1)).contains("g-missing"));
      assertThat(fixture.pairs()).isEmpty();
    }

    @Test
    void invalidFeedbackAndGenerationsAreDeadLetteredAtTheDoor() {
      fixture.feedback(
          FeedbackReceived.newBuilder(choice("f1", "g1", "g2", "ann", at(1)))
              .setOtherGenerationId(null)
              .build());
      fixture.feedback(choice("f2", "g1", "g1", "ann", at(1)));
      fixture.feedback(
          FeedbackReceived.newBuilder(edit("f3", "g1", "ann", "x", at(1)))
              .setEditedText(null)
              .build());
      fixture.feedback(up("f4", "g1", " ", at(1)));
      fixture.feedbackWithKey("some-other-key", up("f5", "g1", "ann", at(1)));
      fixture.generationWithKey("wrong-key", generation("g7", QUESTION, "A model.", at(1)));

      List<DeadLetter> letters = fixture.deadLetters();

      assertThat(letters)
          .extracting(DeadLetter::getReason)
          .containsExactly(
              "invalid-feedback",
              "invalid-feedback",
              "invalid-feedback",
              "invalid-feedback",
              "invalid-feedback",
              "invalid-generation");
      assertThat(letters)
          .extracting(DeadLetter::getDetail)
          .containsExactly(
              "CHOICE without other_generation_id",
              "CHOICE of a generation over itself",
              "EDIT without edited_text",
              "no user id",
              "key some-other-key is not generation_id g1",
              "key wrong-key is not generation_id g7");
      assertThat(letters)
          .extracting(DeadLetter::getSourceOffset)
          .containsExactly(0L, 1L, 2L, 3L, 4L, 0L);
    }

    @Test
    void aChoiceBetweenAnswersToDifferentPromptsIsInvalid() {
      fixture.generation(generation("g1", QUESTION, "I am Athene.", at(0)));
      fixture.generation(generation("g2", "What is 2+2?", "Four.", at(0)));
      fixture.feedback(choice("f1", "g1", "g2", "ann", at(5)));

      assertThat(fixture.deadLetters())
          .extracting(DeadLetter::getReason)
          .containsExactly("invalid-feedback");
      assertThat(fixture.pairs()).isEmpty();
    }

    @Test
    void identicalAndNearIdenticalPairsAreRejected() {
      String answer =
          "I am Athene, a helpful assistant trained to answer questions politely and briefly.";
      fixture.generation(generation("g1", QUESTION, answer, at(0)));
      fixture.feedback(edit("f1", "g1", "ann", "  " + answer.toUpperCase() + "\n", at(1)));
      fixture.feedback(edit("f2", "g1", "ann", answer.replace("briefly", "briefy"), at(2)));
      fixture.feedback(edit("f3", "g1", "ann", "I am Athene.", at(3)));

      assertThat(fixture.deadLetters())
          .extracting(DeadLetter::getReason)
          .containsExactly("identical-pair", "near-identical-pair");
      assertThat(fixture.pairs()).extracting(kv -> kv.value.getPairId()).containsExactly("edit:f3");
    }

    @Test
    void emptyAndOverlongTextsAreRejected() {
      fixture.generation(generation("empty", QUESTION, "   ", at(0)));
      fixture.generation(generation("long", QUESTION, "x".repeat(101), at(0)));
      fixture.generation(generation("long-prompt", "y".repeat(200), "Fine.", at(0)));
      fixture.generation(generation("ok", QUESTION, "A model.", at(0)));
      fixture.feedback(up("f1", "empty", "ann", at(1)));
      fixture.feedback(up("f2", "long", "ann", at(1)));
      fixture.feedback(up("f3", "long-prompt", "ann", at(1)));
      fixture.feedback(edit("f4", "ok", "ann", " ", at(1)));

      fixture.advanceStreamTimeTo(at(LATER));

      assertThat(fixture.deadLetters())
          .extracting(DeadLetter::getReason, letter -> decodeFeedback(letter).getFeedbackId())
          .containsExactlyInAnyOrder(
              tuple("empty-text", "f1"),
              tuple("too-long", "f2"),
              tuple("too-long", "f3"),
              tuple("empty-text", "f4"));
      assertThat(fixture.unary()).isEmpty();
      assertThat(fixture.pairs()).isEmpty();
    }

    @Test
    void recordsBeyondAUsersCapPerWindowAreDeadLettered() {
      fixture.generation(generation("g1", QUESTION, "A model.", at(0)));
      for (int i = 1; i <= 7; i++) {
        fixture.feedback(
            edit("spam-" + i, "g1", "mallory", "Correction number " + i + " of the answer", at(i)));
      }
      fixture.feedback(edit("honest", "g1", "ann", "I am Athene, glad to help.", at(8)));

      assertThat(fixture.pairs())
          .extracting(kv -> kv.value.getUserId())
          .containsExactly("mallory", "mallory", "mallory", "mallory", "mallory", "ann");
      assertThat(fixture.deadLetters())
          .extracting(DeadLetter::getReason, letter -> decodeFeedback(letter).getFeedbackId())
          .containsExactly(
              tuple("user-cap-exceeded", "spam-6"), tuple("user-cap-exceeded", "spam-7"));

      // the cap window is an hour: the next window starts over
      fixture.generation(generation("g2", QUESTION, "A model.", at(3600)));
      fixture.feedback(edit("spam-8", "g2", "mallory", "Another correction entirely", at(3601)));
      assertThat(fixture.pairs())
          .extracting(kv -> kv.value.getPairId())
          .containsExactly("edit:spam-8");
    }

    @Test
    void metricsCountWhatWentInAndOut() {
      fixture.generation(generation("g1", QUESTION, "A model.", at(0)));
      fixture.feedback(edit("f1", "g1", "ann", "I am Athene, glad to help.", at(1)));
      fixture.feedback(up("f2", "g1", "bob", at(1)));
      fixture.rawFeedback.pipeInput("g1".getBytes(StandardCharsets.UTF_8), new byte[] {1}, at(2));
      fixture.advanceStreamTimeTo(at(LATER));

      FeedbackStreamsMetrics.Snapshot snapshot = fixture.metrics.snapshot();
      assertThat(snapshot.recordsIn())
          .containsEntry("generations", 2L)
          .containsEntry("feedback", 3L);
      assertThat(snapshot.pairsOut()).containsExactlyEntriesOf(java.util.Map.of("edit", 1L));
      assertThat(snapshot.unaryOut()).isEqualTo(1);
      assertThat(snapshot.deadLetters())
          .containsExactlyEntriesOf(java.util.Map.of("undecodable", 1L));
      assertThat(snapshot.joins()).isEqualTo(2);
      assertThat(
              snapshot.describeSince(
                  FeedbackStreamsMetrics.Snapshot.empty(), Duration.ofMinutes(1).toMillis()))
          .contains("pairs out 1 {edit=1}", "unary out 1", "dead-lettered 1 {undecodable=1}");
    }
  }
}
