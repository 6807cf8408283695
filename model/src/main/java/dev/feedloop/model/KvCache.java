package dev.feedloop.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Keys and values of every layer for the tokens seen so far, [batch, kvHeads, length, headDim].
 * Owned by one generation; each decoding step appends its tokens.
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

  @Override
  public void close() {
    manager.close();
  }
}
