package dev.feedloop.trainer.online;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A bounded uniform sample of every item offered so far (reservoir sampling, Algorithm R): the
 * held-out reservoir and the replay buffer. Its decisions derive from the seed and the number of
 * items seen, not from a generator's hidden state, so a reservoir restored from its items and count
 * (a checkpoint) decides exactly as the one that was saved. Copies are independent: a window works
 * on a copy and the trainer keeps it only once the window is committed.
 */
public final class Reservoir<T> {
  private final int capacity;
  private final long seed;
  private final List<T> items;
  private long seen;

  public Reservoir(int capacity, long seed) {
    this(capacity, seed, 0, List.of());
  }

  /** A reservoir that has seen {@code seen} items and kept {@code items}. */
  public Reservoir(int capacity, long seed, long seen, List<T> items) {
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity must be >= 0, got " + capacity);
    }
    if (items.size() > seen) {
      throw new IllegalArgumentException(
          "a reservoir that saw " + seen + " items cannot hold " + items.size());
    }
    this.capacity = capacity;
    this.seed = seed;
    this.seen = seen;
    // a reservoir restored with a smaller capacity keeps the first items
    this.items = new ArrayList<>(items.subList(0, Math.min(items.size(), capacity)));
  }

  /** Offers one item: kept while there is room, afterwards with probability capacity / seen. */
  public void offer(T item) {
    seen++;
    if (capacity == 0) {
      return;
    }
    if (items.size() < capacity) {
      items.add(item);
      return;
    }
    long slot = new SplittableRandom(seed ^ (seen * 0x9E3779B97F4A7C15L)).nextLong(seen);
    if (slot < capacity) {
      items.set((int) slot, item);
    }
  }

  public List<T> items() {
    return List.copyOf(items);
  }

  public long seen() {
    return seen;
  }

  public long seed() {
    return seed;
  }

  public int capacity() {
    return capacity;
  }

  public int size() {
    return items.size();
  }

  public Reservoir<T> copy() {
    return new Reservoir<>(capacity, seed, seen, items);
  }
}
