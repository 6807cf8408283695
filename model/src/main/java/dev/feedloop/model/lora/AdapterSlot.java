package dev.feedloop.model.lora;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The live adapter of a server. A request {@link #acquire()}s a lease, which pins the adapter it
 * saw at that instant; {@link #swap} installs another one at once, and the old one is closed when
 * its last lease ends. So a swap never fails or alters a request in flight.
 */
public final class AdapterSlot implements AutoCloseable {

  /** A counted reference; the adapter may be null (the base model). */
  public static final class Lease implements AutoCloseable {
    private final Entry entry;

    private Lease(Entry entry) {
      this.entry = entry;
    }

    public LoraAdapter adapter() {
      return entry.adapter;
    }

    public String version() {
      return entry.version;
    }

    @Override
    public void close() {
      entry.release();
    }
  }

  private static final class Entry {
    final LoraAdapter adapter;
    final String version;
    final AtomicInteger refs = new AtomicInteger(1); // the slot's own reference

    Entry(LoraAdapter adapter, String version) {
      this.adapter = adapter;
      this.version = version;
    }

    boolean retain() {
      while (true) {
        int n = refs.get();
        if (n == 0) {
          return false; // already released by a swap; the caller reads the slot again
        }
        if (refs.compareAndSet(n, n + 1)) {
          return true;
        }
      }
    }

    void release() {
      if (refs.decrementAndGet() == 0 && adapter != null) {
        adapter.close();
      }
    }
  }

  /** Installed by {@link #close()}: never retained, so nothing can spin on a released entry. */
  private static final Entry CLOSED = new Entry(null, "closed");

  private final AtomicReference<Entry> current;

  public AdapterSlot(LoraAdapter initial, String version) {
    current = new AtomicReference<>(new Entry(initial, version));
  }

  public Lease acquire() {
    while (true) {
      Entry e = current.get();
      if (e == CLOSED) {
        throw new IllegalStateException("adapter slot is closed");
      }
      if (e.retain()) {
        return new Lease(e);
      }
    }
  }

  /**
   * Installs {@code adapter} (null: base model); the previous one closes when no request uses it.
   */
  public void swap(LoraAdapter adapter, String version) {
    Entry fresh = new Entry(adapter, version);
    Entry old = current.getAndUpdate(e -> e == CLOSED ? CLOSED : fresh);
    if (old == CLOSED) {
      fresh.release();
      throw new IllegalStateException("adapter slot is closed");
    }
    old.release();
  }

  public String version() {
    return current.get().version;
  }

  @Override
  public void close() {
    Entry last = current.getAndSet(CLOSED);
    if (last != CLOSED) {
      last.release();
    }
  }
}
