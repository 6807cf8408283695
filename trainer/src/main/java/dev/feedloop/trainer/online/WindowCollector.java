package dev.feedloop.trainer.online;

import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.HeldRecord;
import dev.feedloop.schemas.OffsetRange;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.UnaryFeedback;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts the input topics into windows by the {@link WindowPolicy} on the wall clock, and keeps the
 * exact offset bookkeeping the transaction commits: for every partition the next offset to take. A
 * window's range of a partition runs from where the previous window ended to the record after its
 * last one (or past trailing transaction markers, when nothing of that partition is left over), so
 * consecutive windows' ranges are contiguous and every offset belongs to exactly one window.
 * Records polled beyond a full window wait for the next one.
 *
 * <p>The consumer is assigned every partition of both topics (no group membership, so no rebalance
 * can cut a window short); the group only holds the committed offsets, and the transactional id
 * keeps a second trainer from committing.
 */
final class WindowCollector {
  private static final Logger log = LoggerFactory.getLogger(WindowCollector.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final Consumer<String, byte[]> consumer;
  private final String pairsTopic;
  private final String unaryTopic;
  private final String modelId;
  private final WindowPolicy policy;
  private final LongSupplier clock;
  private final EventSerde<PreferencePair> pairs = EventSerde.of(PreferencePair.class);
  private final EventSerde<UnaryFeedback> unary = EventSerde.of(UnaryFeedback.class);
  private final Deque<ConsumerRecord<String, byte[]>> pending = new ArrayDeque<>();
  private final Map<TopicPartition, Long> next = new HashMap<>();

  WindowCollector(
      Consumer<String, byte[]> consumer,
      String pairsTopic,
      String unaryTopic,
      String modelId,
      WindowPolicy policy,
      LongSupplier clock) {
    this.consumer = consumer;
    this.pairsTopic = pairsTopic;
    this.unaryTopic = unaryTopic;
    this.modelId = modelId;
    this.policy = policy;
    this.clock = clock;
  }

  /** A closed window and its offset bookkeeping. */
  record Collected(
      Window window,
      List<OffsetRange> ranges,
      Map<TopicPartition, Long> start,
      Map<TopicPartition, Long> next) {}

  /**
   * Assigns every input partition and places each at its committed offset, else at the checkpoint's
   * position, else at the beginning (or end) of the partition.
   */
  void start(Map<TopicPartition, Long> checkpointPositions, boolean fromLatest) {
    Set<TopicPartition> partitions = partitions();
    consumer.assign(partitions);
    Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(partitions, TIMEOUT);
    for (TopicPartition partition : partitions) {
      OffsetAndMetadata offset = committed.get(partition);
      Long checkpointed = checkpointPositions.get(partition);
      if (offset != null && checkpointed != null && offset.offset() != checkpointed) {
        log.warn(
            "{}: committed offset {} differs from the checkpoint's {}; resuming at the committed"
                + " one (an operator reset the group's offsets?)",
            partition,
            offset.offset(),
            checkpointed);
      }
      long position =
          offset != null
              ? offset.offset()
              : checkpointed != null ? checkpointed : edge(partition, fromLatest);
      consumer.seek(partition, position);
      next.put(partition, position);
    }
  }

  private long edge(TopicPartition partition, boolean latest) {
    Map<TopicPartition, Long> offsets =
        latest
            ? consumer.endOffsets(List.of(partition), TIMEOUT)
            : consumer.beginningOffsets(List.of(partition), TIMEOUT);
    return offsets.get(partition);
  }

  private Set<TopicPartition> partitions() {
    Set<TopicPartition> partitions = new HashSet<>();
    for (String topic : List.of(pairsTopic, unaryTopic)) {
      consumer
          .partitionsFor(topic, TIMEOUT)
          .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
    }
    return partitions;
  }

  /** Partitions added to the topics since the start are read from their beginning. */
  private void refreshPartitions() {
    Set<TopicPartition> partitions = partitions();
    if (next.keySet().containsAll(partitions)) {
      return;
    }
    consumer.assign(partitions);
    for (TopicPartition partition : partitions) {
      if (!next.containsKey(partition)) {
        long position = edge(partition, false);
        consumer.seek(partition, position);
        next.put(partition, position);
        log.info("{} appeared; reading it from offset {}", partition, position);
      }
    }
  }

  /** The next offset of every partition: what is committed after the window that ends here. */
  Map<TopicPartition, Long> positions() {
    return Map.copyOf(next);
  }

  /**
   * Reads until the window closes; null when {@code stopping} turns true first (the partial window
   * is put back: it is read again after a restart).
   */
  Collected collect(long number, BooleanSupplier stopping) {
    refreshPartitions();
    Map<TopicPartition, Long> start = Map.copyOf(next);
    long opened = clock.getAsLong();
    long first = -1;
    List<HeldRecord> records = new ArrayList<>();
    int consumed = 0;
    int otherModel = 0;
    int undecodable = 0;
    while (true) {
      if (stopping.getAsBoolean()) {
        rewind(start);
        return null;
      }
      if (pending.isEmpty()) {
        long wait =
            first < 0
                ? POLL.toMillis()
                : Math.max(
                    0, Math.min(POLL.toMillis(), policy.deadline(first) - clock.getAsLong()));
        consumer.poll(Duration.ofMillis(wait)).forEach(pending::add);
      }
      while (!pending.isEmpty() && !policy.full(consumed)) {
        ConsumerRecord<String, byte[]> record = pending.poll();
        next.put(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
        consumed++;
        if (first < 0) {
          first = clock.getAsLong();
        }
        HeldRecord decoded = decode(record);
        if (decoded == null) {
          undecodable++;
        } else if (!modelOf(decoded).equals(modelId)) {
          otherModel++;
        } else {
          records.add(decoded);
        }
      }
      if (policy.closes(consumed, first, clock.getAsLong())) {
        break;
      }
    }
    long closed = clock.getAsLong();
    // past transaction markers where nothing of the partition waits for the next window
    Set<TopicPartition> waiting = new HashSet<>();
    pending.forEach(r -> waiting.add(new TopicPartition(r.topic(), r.partition())));
    for (TopicPartition partition : next.keySet()) {
      if (!waiting.contains(partition)) {
        next.put(partition, Math.max(next.get(partition), consumer.position(partition, TIMEOUT)));
      }
    }
    List<OffsetRange> ranges = new ArrayList<>();
    next.entrySet().stream()
        .filter(e -> e.getValue() > start.getOrDefault(e.getKey(), e.getValue()))
        .sorted(
            Map.Entry.comparingByKey(
                Comparator.comparing(TopicPartition::topic)
                    .thenComparingInt(TopicPartition::partition)))
        .forEach(
            e ->
                ranges.add(
                    OffsetRange.newBuilder()
                        .setTopic(e.getKey().topic())
                        .setPartition(e.getKey().partition())
                        .setFromOffset(start.get(e.getKey()))
                        .setUntilOffset(e.getValue())
                        .build()));
    Window window = new Window(number, records, consumed, otherModel, undecodable, opened, closed);
    return new Collected(window, ranges, start, Map.copyOf(next));
  }

  /** Back to {@code positions}: what was read after them is read again. */
  void rewind(Map<TopicPartition, Long> positions) {
    pending.clear();
    positions.forEach(
        (partition, offset) -> {
          consumer.seek(partition, offset);
          next.put(partition, offset);
        });
  }

  private HeldRecord decode(ConsumerRecord<String, byte[]> record) {
    if (record.value() == null) {
      return null;
    }
    try {
      return record.topic().equals(pairsTopic)
          ? Window.of(pairs.deserialize(record.topic(), record.value()))
          : Window.of(unary.deserialize(record.topic(), record.value()));
    } catch (SerializationException e) {
      log.warn(
          "{}-{} offset {}: {}; skipped",
          record.topic(),
          record.partition(),
          record.offset(),
          e.getMessage());
      return null;
    }
  }

  private static String modelOf(HeldRecord record) {
    return record.getPair() != null
        ? record.getPair().getModelId()
        : record.getUnary().getModelId();
  }
}
