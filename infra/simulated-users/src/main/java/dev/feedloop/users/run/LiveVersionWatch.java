package dev.feedloop.users.run;

import dev.feedloop.users.ServingClient;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches which adapter version serving has live, through its public GET /v1/adapters, and when
 * each version was first seen live: the end of a feedback event's way through the loop, measured
 * from the outside as a client would (to within the poll interval).
 */
final class LiveVersionWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LiveVersionWatch.class);

  private final ServingClient client;
  private final Duration interval;
  private final Map<Long, Instant> firstSeenLive = new ConcurrentHashMap<>();
  private final Map<Long, String> refusedByServing = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Thread thread;
  private volatile long live = -1;
  private volatile boolean closed;

  LiveVersionWatch(ServingClient client, Duration interval) {
    this.client = client;
    this.interval = interval;
    this.thread = new Thread(this::poll, "feedloop-live-version-watch");
    thread.setDaemon(true);
  }

  LiveVersionWatch start() {
    thread.start();
    return this;
  }

  /** The live version last seen (0: the base model), -1 before serving first answered. */
  long live() {
    return live;
  }

  /** When each version was first seen live. */
  Map<Long, Instant> firstSeenLive() {
    return Map.copyOf(firstSeenLive);
  }

  /** Versions serving refused (a broken or mismatched adapter), by version. */
  Map<Long, String> refusedByServing() {
    return Map.copyOf(refusedByServing);
  }

  /**
   * Waits until the live version is not {@code version} (and serving has answered), at most {@code
   * timeout}; returns the live version then.
   */
  long awaitOtherThan(long version, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    lock.lock();
    try {
      while ((live == version || live < 0) && !closed) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        changed.awaitNanos(left);
      }
      return live;
    } finally {
      lock.unlock();
    }
  }

  private void poll() {
    while (!closed) {
      try {
        ServingClient.AdapterStatus status = client.adapters();
        Instant now = Instant.now();
        status
            .statusByVersion()
            .forEach(
                (version, state) -> {
                  if ("refused".equals(state)) {
                    refusedByServing.putIfAbsent(version, state);
                  }
                });
        firstSeenLive.putIfAbsent(status.liveVersion(), now);
        if (status.liveVersion() != live) {
          lock.lock();
          try {
            live = status.liveVersion();
            changed.signalAll();
          } finally {
            lock.unlock();
          }
        }
      } catch (IOException e) {
        LOG.debug("GET /v1/adapters failed: {}", e.toString());
      } catch (InterruptedException e) {
        return;
      }
      try {
        TimeUnit.MILLISECONDS.sleep(interval.toMillis());
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    closed = true;
    thread.interrupt();
    thread.join(5_000);
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
