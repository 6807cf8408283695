package dev.feedloop.trainer.replay;

import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.HeldRecord;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.UnaryFeedback;
import dev.feedloop.schemas.kafka.KafkaClientSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Re-reads a range of {@code preference-pairs} and {@code unary-feedback} for a replay, leaving the
 * live loop as it was: read_committed, partitions assigned by hand, and no consumer group at all
 * (no group.id, so nothing can join the live trainer's group or commit offsets), and no producer.
 * Missing topics are read as empty, never created.
 *
 * <p>The records come back in record-time order (timestamp, then topic, partition, offset), so the
 * same range gives the same sequence however the partitions were polled.
 */
public final class TopicReplayReader {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final Duration POLL = Duration.ofMillis(200);

  /** The order windows are cut in: record time, ties broken by where the record sits. */
  public static final Comparator<ReplayRecord> RECORD_TIME_ORDER =
      Comparator.comparingLong(ReplayRecord::timestamp)
          .thenComparing(ReplayRecord::topic)
          .thenComparingInt(ReplayRecord::partition)
          .thenComparingLong(ReplayRecord::offset);

  private final KafkaClientSettings kafka;
  private final String pairsTopic;
  private final String unaryTopic;
  private final EventSerde<PreferencePair> pairs = EventSerde.of(PreferencePair.class);
  private final EventSerde<UnaryFeedback> unary = EventSerde.of(UnaryFeedback.class);

  public TopicReplayReader(KafkaClientSettings kafka, String pairsTopic, String unaryTopic) {
    this.kafka = kafka;
    this.pairsTopic = pairsTopic;
    this.unaryTopic = unaryTopic;
  }

  /** Every record of both topics in {@code range}, in record-time order. */
  public List<ReplayRecord> read(ReplayRange range) {
    List<ReplayRecord> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = consumer()) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : List.of(pairsTopic, unaryTopic)) {
        consumer
            .listTopics(TIMEOUT)
            .getOrDefault(topic, List.of())
            .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      }
      if (partitions.isEmpty()) {
        return records;
      }
      consumer.assign(partitions);
      Map<TopicPartition, Long> beginning = consumer.beginningOffsets(partitions, TIMEOUT);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, TIMEOUT);
      Map<TopicPartition, Long> from = new HashMap<>();
      Map<TopicPartition, Long> until = new HashMap<>();
      Map<TopicPartition, Long> fromTimes = offsetsAt(consumer, partitions, range.fromTime(), end);
      Map<TopicPartition, Long> untilTimes = offsetsAt(consumer, partitions, range.toTime(), end);
      for (TopicPartition partition : partitions) {
        long first = beginning.get(partition);
        long last = end.get(partition);
        long start =
            range.fromOffset() != null
                ? range.fromOffset()
                : range.fromTime() != null ? fromTimes.get(partition) : first;
        long stop =
            range.toOffset() != null
                ? range.toOffset()
                : range.toTime() != null ? untilTimes.get(partition) : last;
        start = Math.max(first, Math.min(start, last));
        stop = Math.max(start, Math.min(stop, last));
        from.put(partition, start);
        until.put(partition, stop);
        consumer.seek(partition, start);
      }
      readUntil(consumer, partitions, until, range, records);
    }
    records.sort(RECORD_TIME_ORDER);
    return records;
  }

  /** The first offset with a timestamp at or after {@code time}; the end when there is none. */
  private static Map<TopicPartition, Long> offsetsAt(
      KafkaConsumer<String, byte[]> consumer,
      List<TopicPartition> partitions,
      java.time.Instant time,
      Map<TopicPartition, Long> end) {
    Map<TopicPartition, Long> offsets = new HashMap<>();
    if (time == null) {
      return offsets;
    }
    Map<TopicPartition, Long> query = new HashMap<>();
    partitions.forEach(p -> query.put(p, time.toEpochMilli()));
    Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query, TIMEOUT);
    for (TopicPartition partition : partitions) {
      OffsetAndTimestamp at = found.get(partition);
      offsets.put(partition, at == null ? end.get(partition) : at.offset());
    }
    return offsets;
  }

  private void readUntil(
      KafkaConsumer<String, byte[]> consumer,
      List<TopicPartition> partitions,
      Map<TopicPartition, Long> until,
      ReplayRange range,
      List<ReplayRecord> records) {
    long lastProgress = System.nanoTime();
    long lastPositions = -1;
    while (true) {
      List<TopicPartition> open = new ArrayList<>();
      long positions = 0;
      for (TopicPartition partition : partitions) {
        long position = consumer.position(partition, TIMEOUT);
        positions += position;
        if (position < until.get(partition)) {
          open.add(partition);
        }
      }
      if (open.isEmpty()) {
        return;
      }
      if (positions != lastPositions) {
        lastPositions = positions;
        lastProgress = System.nanoTime();
      } else if (System.nanoTime() - lastProgress > TIMEOUT.toNanos()) {
        throw new IllegalStateException(
            "no progress reading " + open + " for " + TIMEOUT.toSeconds() + " s");
      }
      // partitions already read to their end stop fetching
      consumer.pause(partitions.stream().filter(p -> !open.contains(p)).toList());
      for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        if (record.offset() >= until.get(partition)) {
          continue;
        }
        // a timestamp may go back in time within a partition: the time range is applied to each
        // record, not only to where reading starts
        if (range.toTime() != null && record.timestamp() >= range.toTime().toEpochMilli()
            || range.fromTime() != null && record.timestamp() < range.fromTime().toEpochMilli()) {
          continue;
        }
        records.add(decode(record));
      }
    }
  }

  private ReplayRecord decode(ConsumerRecord<String, byte[]> record) {
    HeldRecord held = null;
    String model = null;
    if (record.value() != null) {
      try {
        if (record.topic().equals(pairsTopic)) {
          PreferencePair pair = pairs.deserialize(record.topic(), record.value());
          held = HeldRecord.newBuilder().setPair(pair).build();
          model = pair.getModelId();
        } else {
          UnaryFeedback feedback = unary.deserialize(record.topic(), record.value());
          held = HeldRecord.newBuilder().setUnary(feedback).build();
          model = feedback.getModelId();
        }
      } catch (SerializationException e) {
        held = null;
      }
    }
    return new ReplayRecord(
        record.topic(), record.partition(), record.offset(), record.timestamp(), held, model);
  }

  private KafkaConsumer<String, byte[]> consumer() {
    Map<String, Object> config = new HashMap<>(kafka.clientConfig());
    // no group: the replay can neither join the live trainer's group nor commit offsets to it
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "feedloop-replay-" + ProcessHandle.current().pid());
    return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
  }
}
