package dev.feedloop.model.lora;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The live adapter of a server. A request {@link #acquire()}s a lease, which pins the adapter and
 * version it saw at that instant; {@link #swap} installs another one at once, and the old one is
 * closed when its last lease ends. So a swap never fails or alters a request in flight.
 *
 * <p>Versions are those of the adapter announcements ({@code AdapterPublished.version}); the slot
 * only carries them, together with their adapter, and does not order them (pinning and rolling back
 * install older versions on purpose).
 */
public final class AdapterSlot implements AutoCloseable {

  /** A counted reference to one installed adapter; the adapter may be null (the base model). */
  public static final class Lease implements AutoCloseable {
    private final Entry entry;
    private final AtomicBoolean released = new AtomicBoolean();

    private Lease(Entry entry) {
      this.entry = entry;
    }

    public LoraAdapter adapter() {
      return entry.adapter;
    }

    /** The version installed together with {@link #adapter()}. */
    public long version() {
      return entry.version;
    }

    /** Ends the lease; closing it again does nothing (it must not release another lease's hold). */
    @Override
    public void close() {
      if (released.compareAndSet(false, true)) {
        entry.release();
      }
    }
  }

  /** An adapter with its version and its count of holders: the slot itself and every lease. */
  private static final class Entry {
    final LoraAdapter adapter;
    final long version;
    final AtomicInteger refs = new AtomicInteger(1); // the slot's own reference

    Entry(LoraAdapter adapter, long version) {
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
  private static final Entry CLOSED = new Entry(null, Long.MIN_VALUE);

  private final AtomicReference<Entry> current;

  /**
   * @param initial the adapter to serve, null for the base model
   * @param version its version
   */
  public AdapterSlot(LoraAdapter initial, long version) {
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
   * Installs {@code adapter} (null: base model) as {@code version}; the previous one closes when no
   * request uses it. The slot owns {@code adapter} from now on, also when it refuses it because the
   * slot is closed (it is then closed at once).
   */
  public void swap(LoraAdapter adapter, long version) {
    Entry fresh = new Entry(adapter, version);
    Entry old = current.getAndUpdate(e -> e == CLOSED ? CLOSED : fresh);
    if (old == CLOSED) {
      fresh.release();
      throw new IllegalStateException("adapter slot is closed");
    }
    old.release();
  }

  /** The version a lease acquired now would see. */
  public long version() {
    Entry e = current.get();
    if (e == CLOSED) {
      throw new IllegalStateException("adapter slot is closed");
    }
    return e.version;
  }

  /** Releases the installed adapter: it closes now, or when its last lease ends. */
  @Override
  public void close() {
    Entry last = current.getAndSet(CLOSED);
    if (last != CLOSED) {
      last.release();
    }
  }
}
