package dev.feedloop.trainer.data;

import dev.feedloop.schemas.rules.Rejection;

/**
 * An exported item that is well-formed but says nothing the loop can learn from (a rating that is
 * neither up nor down); the importer adds the file and line. Structural problems are {@link
 * MalformedRecordException}s.
 */
public final class RejectedItemException extends RuntimeException {
  private final transient Rejection rejection;

  public RejectedItemException(Rejection rejection) {
    super(rejection.detail());
    this.rejection = rejection;
  }

  public Rejection rejection() {
    return rejection;
  }
}
