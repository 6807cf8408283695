package dev.feedloop.serving.chat;

/**
 * Tells a waiting request that its client went away (its connection closed) before the answer was
 * written, so its candidates can leave the batch instead of being decoded for nobody.
 */
@FunctionalInterface
public interface ClientDisconnect {

  /** For callers without a connection (in-process calls): the client never goes away. */
  ClientDisconnect NEVER = action -> () -> {};

  /**
   * Runs {@code action} once if the client goes away (at once if it already has), on any thread.
   *
   * @return closing it forgets {@code action}: the answer was written, or the wait is over
   */
  Registration whenGone(Runnable action);

  /** A registered action; {@link #close()} unregisters it. */
  interface Registration extends AutoCloseable {
    @Override
    void close();
  }
}
