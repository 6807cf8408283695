package dev.feedloop.trainer.optim;

import ai.djl.engine.Engine;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Every random choice of a training run derives from one seed, so the same seed and data give the
 * same adapter: data order per epoch, the engine's RNG (LoRA init, dropout), and any other named
 * purpose.
 */
public final class TrainingRandom {
  private final long seed;

  public TrainingRandom(long seed) {
    this.seed = seed;
  }

  public long seed() {
    return seed;
  }

  /**
   * Seeds the DJL engine RNG (used by random initialisers and dropout). Call before creating
   * parameters.
   */
  public void seedEngine() {
    Engine.getInstance().setRandomSeed((int) (derive("engine") & 0x7fffffff));
  }

  /** A seed for a named purpose; stable across runs and independent between purposes. */
  public long derive(String purpose) {
    return mix(seed ^ mix(purpose.hashCode()));
  }

  /** The shuffled order of the data for one epoch; the input list is left as it is. */
  public <T> List<T> shuffled(List<T> items, int epoch) {
    List<T> copy = new ArrayList<>(items);
    Collections.shuffle(copy, new Random(derive("epoch-" + epoch)));
    return copy;
  }

  // SplitMix64 finaliser: spreads nearby seeds (1, 2, 3...) into unrelated streams
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
