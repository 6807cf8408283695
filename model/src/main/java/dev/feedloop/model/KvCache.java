package dev.feedloop.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of every layer for the tokens seen so far, [batch, kvHeads, length, headDim].
 * Owned by one generation; each decoding step appends its tokens. A continuous batch also {@link
 * #merge merges} the caches of joining rows, {@link #keepRows keeps} the rows still running and
 * {@link #dropLeading drops} leading columns no row attends to.
 */
public final class KvCache implements AutoCloseable {

  private final NDManager manager;
  private final NDArray[] keys;
  private final NDArray[] values;
  private int length;

  public KvCache(NDManager parent, int layers) {
    this.manager = parent.newSubManager();
    this.keys = new NDArray[layers];
    this.values = new NDArray[layers];
  }

  /** Number of positions cached (including padding positions). */
  public int length() {
    return length;
  }

  /**
   * Appends one layer's new keys and values and returns the full ones. The returned arrays belong
   * to the cache; callers derive step-local views from them.
   */
  NDArray[] append(int layer, NDArray k, NDArray v) {
    keys[layer] = concat(keys[layer], k);
    values[layer] = concat(values[layer], v);
    if (layer == keys.length - 1) {
      length = (int) keys[layer].getShape().get(2);
    }
    return new NDArray[] {keys[layer], values[layer]};
  }

  private NDArray concat(NDArray old, NDArray fresh) {
    NDArray full = old == null ? fresh : old.concat(fresh, 2);
    full.attach(manager);
    if (old != null) {
      old.close();
    }
    return full;
  }

  /** Number of rows cached (0 before the first append). */
  public int rows() {
    return keys[0] == null ? 0 : (int) keys[0].getShape().get(0);
  }

  /**
   * Appends the rows of {@code joining} below this cache's rows, left-padding the shorter of the
   * two with zero columns up to a common length (callers mask those columns). {@code joining} is
   * left as it was; the caller closes it.
   */
  public void merge(KvCache joining) {
    if (joining.keys[0] == null) {
      return;
    }
    int common = Math.max(length, joining.length);
    for (int layer = 0; layer < keys.length; layer++) {
      keys[layer] = replace(keys[layer], stack(keys[layer], joining.keys[layer], common));
      values[layer] = replace(values[layer], stack(values[layer], joining.values[layer], common));
    }
    length = common;
  }

  private NDArray stack(NDArray mine, NDArray theirs, int common) {
    try (NDManager scratch = manager.newSubManager()) {
      NDArray bottom = leftPadded(scratch, theirs, common);
      NDArray stacked =
          mine == null ? bottom.duplicate() : leftPadded(scratch, mine, common).concat(bottom, 0);
      stacked.attach(manager);
      return stacked;
    }
  }

  private static NDArray leftPadded(NDManager scratch, NDArray a, int columns) {
    Shape s = a.getShape();
    long missing = columns - s.get(2);
    if (missing == 0) {
      return a;
    }
    return scratch
        .zeros(new Shape(s.get(0), s.get(1), missing, s.get(3)), a.getDataType())
        .concat(a, 2);
  }

  /** Keeps only the given rows, in the given order (rows that finished leave the batch). */
  public void keepRows(NDArray rowIndices) {
    for (int layer = 0; layer < keys.length; layer++) {
      keys[layer] = replace(keys[layer], keys[layer].get(new NDIndex("{}", rowIndices)));
      values[layer] = replace(values[layer], values[layer].get(new NDIndex("{}", rowIndices)));
    }
  }

  /** Drops the first {@code columns} positions, padding of every remaining row. */
  public void dropLeading(int columns) {
    if (columns <= 0) {
      return;
    }
    for (int layer = 0; layer < keys.length; layer++) {
      keys[layer] = replace(keys[layer], keys[layer].get(":, :, " + columns + ":"));
      values[layer] = replace(values[layer], values[layer].get(":, :, " + columns + ":"));
    }
    length -= columns;
  }

  private NDArray replace(NDArray old, NDArray fresh) {
    if (fresh != null) {
      fresh.attach(manager);
    }
    if (old != null && old != fresh) {
      old.close();
    }
    return fresh;
  }

  /** Forgets every row and position (the batch emptied); the cache can be merged into again. */
  public void clear() {
    for (int layer = 0; layer < keys.length; layer++) {
      replace(keys[layer], null);
      replace(values[layer], null);
      keys[layer] = null;
      values[layer] = null;
    }
    length = 0;
  }

  @Override
  public void close() {
    manager.close();
  }
}
