package dev.feedloop.streams.internal;

import dev.feedloop.schemas.DeadLetter;

/** A processor's output: either a value that goes on, or the dead letter that replaces it. */
public record Routed<T>(T value, DeadLetter deadLetter) {

  public static <T> Routed<T> ok(T value) {
    return new Routed<>(value, null);
  }

  public static <T> Routed<T> rejected(DeadLetter deadLetter) {
    return new Routed<>(null, deadLetter);
  }

  public boolean isRejected() {
    return deadLetter != null;
  }
}
