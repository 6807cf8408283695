package dev.feedloop.streams.internal;

import dev.feedloop.schemas.FeedbackKind;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.PairSource;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.PromptHash;
import dev.feedloop.schemas.UnaryFeedback;
import dev.feedloop.schemas.rules.RecordIds;
import java.time.Instant;

/**
 * Turns joined feedback into training records. Record ids ({@link RecordIds}) are derived from what
 * the record is about (never random), so a replay or a duplicate yields the same id and can be
 * recognised.
 */
public final class TrainingRecords {

  /** Two different users' votes compare two answers under possibly different standards. */
  public static final double CROSS_USER_VOTES_WEIGHT = 0.5;

  private TrainingRecords() {}

  public static UnaryFeedback unaryFromVote(JoinedFeedback vote) {
    GenerationLogged generation = vote.generation();
    return UnaryFeedback.newBuilder()
        .setRecordId(RecordIds.vote(generation.getGenerationId(), vote.feedback().getUserId()))
        .setPromptHash(PromptHash.of(generation.getPrompt()))
        .setModelId(generation.getModelId())
        .setPrompt(generation.getPrompt())
        .setCompletion(generation.getCompletion())
        .setDesirable(vote.feedback().getKind() == FeedbackKind.THUMBS_UP)
        .setGenerationId(generation.getGenerationId())
        .setAdapterVersion(generation.getAdapterVersion())
        .setUserId(vote.feedback().getUserId())
        .setWeight(1.0)
        .setCreatedAt(vote.feedback().getReceivedAt())
        .build();
  }

  public static PreferencePair fromChoice(JoinedFeedback choice) {
    GenerationLogged chosen = choice.generation();
    GenerationLogged rejected = choice.other();
    return PreferencePair.newBuilder()
        .setPairId(RecordIds.choice(choice.feedback().getFeedbackId()))
        .setPromptHash(PromptHash.of(chosen.getPrompt()))
        .setModelId(chosen.getModelId())
        .setPrompt(chosen.getPrompt())
        .setChosen(chosen.getCompletion())
        .setRejected(rejected.getCompletion())
        .setSource(PairSource.CHOICE)
        .setChosenGenerationId(chosen.getGenerationId())
        .setRejectedGenerationId(rejected.getGenerationId())
        .setChosenAdapterVersion(chosen.getAdapterVersion())
        .setRejectedAdapterVersion(rejected.getAdapterVersion())
        .setUserId(choice.feedback().getUserId())
        .setWeight(1.0)
        .setCreatedAt(choice.feedback().getReceivedAt())
        .build();
  }

  /**
   * The edited text is chosen; it came from no generation, so its generation id and adapter are
   * null.
   */
  public static PreferencePair fromEdit(JoinedFeedback edit) {
    GenerationLogged original = edit.generation();
    return PreferencePair.newBuilder()
        .setPairId(RecordIds.edit(edit.feedback().getFeedbackId()))
        .setPromptHash(PromptHash.of(original.getPrompt()))
        .setModelId(original.getModelId())
        .setPrompt(original.getPrompt())
        .setChosen(edit.feedback().getEditedText())
        .setRejected(original.getCompletion())
        .setSource(PairSource.EDIT)
        .setChosenGenerationId(null)
        .setRejectedGenerationId(original.getGenerationId())
        .setChosenAdapterVersion(null)
        .setRejectedAdapterVersion(original.getAdapterVersion())
        .setUserId(edit.feedback().getUserId())
        .setWeight(1.0)
        .setCreatedAt(edit.feedback().getReceivedAt())
        .build();
  }

  /**
   * An up-voted and a down-voted completion of the same prompt. The pair counts against the user
   * who cast the later of the two votes (the up-voter on a tie): that vote completed the pair.
   */
  public static PreferencePair fromVotes(UnaryFeedback up, UnaryFeedback down) {
    Instant upAt = up.getCreatedAt();
    Instant downAt = down.getCreatedAt();
    boolean downLater = downAt.isAfter(upAt);
    boolean sameUser = up.getUserId() != null && up.getUserId().equals(down.getUserId());
    return PreferencePair.newBuilder()
        .setPairId(RecordIds.votes(up.getGenerationId(), down.getGenerationId()))
        .setPromptHash(up.getPromptHash())
        .setModelId(up.getModelId())
        .setPrompt(up.getPrompt())
        .setChosen(up.getCompletion())
        .setRejected(down.getCompletion())
        .setSource(PairSource.VOTES)
        .setChosenGenerationId(up.getGenerationId())
        .setRejectedGenerationId(down.getGenerationId())
        .setChosenAdapterVersion(up.getAdapterVersion())
        .setRejectedAdapterVersion(down.getAdapterVersion())
        .setUserId(downLater ? down.getUserId() : up.getUserId())
        .setWeight(sameUser ? 1.0 : CROSS_USER_VOTES_WEIGHT)
        .setCreatedAt(downLater ? downAt : upAt)
        .build();
  }
}
