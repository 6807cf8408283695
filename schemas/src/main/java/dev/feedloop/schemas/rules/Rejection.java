package dev.feedloop.schemas.rules;

import java.util.Objects;

/** A rule said no: the stable reason code and a human-readable detail. */
public record Rejection(RejectReason reason, String detail) {
  public Rejection {
    Objects.requireNonNull(reason, "reason");
    detail = detail == null ? "" : detail;
  }
}
