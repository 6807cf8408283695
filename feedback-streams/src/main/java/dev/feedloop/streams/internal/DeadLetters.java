package dev.feedloop.streams.internal;

import dev.feedloop.schemas.DeadLetter;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.kafka.TopicKeys;
import dev.feedloop.schemas.rules.RejectReason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** Builds dead letters that point back at the input record responsible. */
public final class DeadLetters {

  private DeadLetters() {}

  public static DeadLetter raw(
      Origin origin, byte[] key, byte[] value, RejectReason reason, String detail, long timestamp) {
    return DeadLetter.newBuilder()
        .setSourceTopic(origin.topic())
        .setSourcePartition(origin.partition())
        .setSourceOffset(origin.offset())
        .setOriginalKey(key == null ? null : ByteBuffer.wrap(key))
        .setOriginalValue(value == null ? null : ByteBuffer.wrap(value))
        .setReason(reason.code())
        .setDetail(detail)
        .setCreatedAt(Instant.ofEpochMilli(timestamp))
        .build();
  }

  /**
   * A rejection after decoding: the feedback re-encoded with the current schema (older writers'
   * bytes differ).
   */
  public static DeadLetter forFeedback(
      FeedbackReceived feedback,
      Origin origin,
      RejectReason reason,
      String detail,
      long timestamp) {
    return raw(
        origin,
        TopicKeys.of(feedback).getBytes(StandardCharsets.UTF_8),
        InternalSerdes.FEEDBACK.serialize(origin.topic(), feedback),
        reason,
        detail,
        timestamp);
  }

  public static DeadLetter forCandidate(
      Candidate candidate, RejectReason reason, String detail, long timestamp) {
    return forFeedback(
        candidate.trigger(),
        candidate.origin(),
        reason,
        detail + " [record " + candidate.recordId() + "]",
        timestamp);
  }

  /** The key a dead letter is written with: the source record's key bytes. */
  public static byte[] key(DeadLetter deadLetter) {
    ByteBuffer key = deadLetter.getOriginalKey();
    if (key == null) {
      return null;
    }
    ByteBuffer copy = key.duplicate();
    byte[] bytes = new byte[copy.remaining()];
    copy.get(bytes);
    return bytes;
  }
}
