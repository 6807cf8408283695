package dev.feedloop.serving.events;

/** Kafka did not confirm an event that must be durable before the caller is answered. */
public final class EventNotAcknowledgedException extends Exception {

  public EventNotAcknowledgedException(String message, Throwable cause) {
    super(message, cause);
  }
}
