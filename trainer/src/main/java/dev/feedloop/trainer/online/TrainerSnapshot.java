package dev.feedloop.trainer.online;

import dev.feedloop.schemas.HeldRecord;
import dev.feedloop.schemas.PartitionPosition;
import dev.feedloop.schemas.TrainerCheckpoint;
import dev.feedloop.schemas.TrainerState;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * The online trainer's state between two windows: what a checkpoint holds. Never changed in place:
 * a window computes the next snapshot, which the trainer adopts only once the window's transaction
 * committed (a refused window's snapshot keeps the live adapter and its optimizer state; a failed
 * transaction keeps the previous snapshot).
 *
 * @param windows windows completed (accepted, refused or skipped)
 * @param liveVersion the live adapter version, 0 for the base model
 * @param nextVersion the version the next accepted window publishes
 * @param liveAdapter the live adapter's safetensors; null while nothing was accepted
 * @param optimizerMoments AdamW moments of the live adapter as safetensors ({@code
 *     <parameter>.exp_avg}, {@code <parameter>.exp_avg_sq}); null before the first update
 * @param adamSteps AdamW updates applied (bias correction)
 * @param optimizerSteps optimizer steps taken, the learning-rate schedule's position
 * @param recordsSeen records of this model consumed so far (the hold-out counter)
 * @param heldOut the held-out reservoir
 * @param replay the replay buffer
 * @param positions the next offset of every input partition (what is committed with the state)
 */
public record TrainerSnapshot(
    long windows,
    long liveVersion,
    long nextVersion,
    byte[] liveAdapter,
    byte[] optimizerMoments,
    int adamSteps,
    int optimizerSteps,
    long recordsSeen,
    Reservoir<HeldRecord> heldOut,
    Reservoir<HeldRecord> replay,
    Map<TopicPartition, Long> positions) {

  public TrainerSnapshot {
    positions = Map.copyOf(positions);
    heldOut = heldOut.copy();
    replay = replay.copy();
  }

  /** A trainer that has trained nothing: the base model is live. */
  public static TrainerSnapshot initial(
      long nextVersion, OnlineSettings settings, Map<TopicPartition, Long> positions) {
    return new TrainerSnapshot(
        0,
        0,
        nextVersion,
        null,
        null,
        0,
        0,
        0,
        new Reservoir<>(settings.heldOutSize(), settings.seed() ^ 0x48656c64L),
        new Reservoir<>(settings.replaySize(), settings.seed() ^ 0x5265706cL),
        positions);
  }

  /** The checkpoint's state record of this snapshot (the positions travel in the checkpoint). */
  public TrainerState toState(String modelId) {
    return TrainerState.newBuilder()
        .setModelId(modelId)
        .setLiveVersion(liveVersion)
        .setAdapter(liveAdapter == null ? null : ByteBuffer.wrap(liveAdapter))
        .setOptimizerMoments(optimizerMoments == null ? null : ByteBuffer.wrap(optimizerMoments))
        .setAdamSteps(adamSteps)
        .setOptimizerSteps(optimizerSteps)
        .setRecordsSeen(recordsSeen)
        .setHeldOutSeen(heldOut.seen())
        .setHeldOut(heldOut.items())
        .setReplaySeen(replay.seen())
        .setReplay(replay.items())
        .build();
  }

  /** The snapshot a checkpoint holds, with the reservoirs sized and seeded by {@code settings}. */
  public static TrainerSnapshot restore(
      TrainerCheckpoint checkpoint, TrainerState state, OnlineSettings settings) {
    if (!checkpoint.getModelId().equals(state.getModelId())
        || checkpoint.getLiveVersion() != state.getLiveVersion()) {
      throw new IllegalStateException(
          "the checkpoint of window "
              + checkpoint.getWindow()
              + " ("
              + checkpoint.getModelId()
              + " version "
              + checkpoint.getLiveVersion()
              + ") holds the state of "
              + state.getModelId()
              + " version "
              + state.getLiveVersion());
    }
    Map<TopicPartition, Long> positions = new HashMap<>();
    for (PartitionPosition position : checkpoint.getPositions()) {
      positions.put(
          new TopicPartition(position.getTopic(), position.getPartition()), position.getOffset());
    }
    TrainerSnapshot initial = initial(checkpoint.getNextVersion(), settings, positions);
    return new TrainerSnapshot(
        checkpoint.getWindow(),
        checkpoint.getLiveVersion(),
        checkpoint.getNextVersion(),
        bytes(state.getAdapter()),
        bytes(state.getOptimizerMoments()),
        state.getAdamSteps(),
        state.getOptimizerSteps(),
        state.getRecordsSeen(),
        new Reservoir<>(
            settings.heldOutSize(),
            seed(initial.heldOut()),
            state.getHeldOutSeen(),
            state.getHeldOut()),
        new Reservoir<>(
            settings.replaySize(),
            seed(initial.replay()),
            state.getReplaySeen(),
            state.getReplay()),
        positions);
  }

  private static long seed(Reservoir<?> reservoir) {
    return reservoir.seed();
  }

  private static byte[] bytes(ByteBuffer buffer) {
    if (buffer == null) {
      return null;
    }
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }

  public TrainerSnapshot withPositions(Map<TopicPartition, Long> newPositions) {
    return new TrainerSnapshot(
        windows,
        liveVersion,
        nextVersion,
        liveAdapter,
        optimizerMoments,
        adamSteps,
        optimizerSteps,
        recordsSeen,
        heldOut,
        replay,
        newPositions);
  }
}
