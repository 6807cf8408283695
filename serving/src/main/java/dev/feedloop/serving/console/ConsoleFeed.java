package dev.feedloop.serving.console;

import dev.feedloop.schemas.DeadLetter;
import dev.feedloop.schemas.EvaluationCompleted;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.TrainerMetrics;
import dev.feedloop.serving.ServingSettings;
import dev.feedloop.serving.adapters.AdapterFollower;
import io.micronaut.context.annotation.Context;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the operator console shows besides the adapters: reads the evaluations, trainer-metrics,
 * feedback and dead-letter topics from {@link ConsoleSettings#lookback()} before the replica's
 * start and keeps following them into {@link ConsoleAggregates}. Every replica does the same (no
 * consumer group, nothing committed, read_committed: the trainer's metrics belong to its
 * transactions), so any replica serves the same console. A topic that does not exist yet is looked
 * for again every few seconds; the console never creates topics. The adapters come from the {@link
 * AdapterFollower}, which already follows them.
 */
@Context
public final class ConsoleFeed {

  private static final Logger LOG = LoggerFactory.getLogger(ConsoleFeed.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration TOPIC_RETRY = Duration.ofSeconds(5);
  private static final Duration FAILURE_PAUSE = Duration.ofSeconds(1);

  private final ServingSettings settings;
  private final ConsoleSettings consoleSettings;
  private final AdapterFollower adapters;
  private final ConsoleAggregates aggregates;
  private final EventSerde<EvaluationCompleted> evaluations =
      EventSerde.of(EvaluationCompleted.class);
  private final EventSerde<TrainerMetrics> trainerMetrics = EventSerde.of(TrainerMetrics.class);
  private final EventSerde<FeedbackReceived> feedback = EventSerde.of(FeedbackReceived.class);
  private final EventSerde<DeadLetter> deadLetters = EventSerde.of(DeadLetter.class);
  private final Instant started = Instant.now();

  private final Object topicsLock = new Object();
  private final Set<String> following = new LinkedHashSet<>();
  private final Set<String> waiting = new LinkedHashSet<>();

  private volatile boolean running = true;
  private volatile KafkaConsumer<String, byte[]> consumer;
  private Thread thread;

  public ConsoleFeed(
      ServingSettings settings, ConsoleSettings consoleSettings, AdapterFollower adapters) {
    this.settings = settings;
    this.consoleSettings = consoleSettings;
    this.adapters = adapters;
    this.aggregates = new ConsoleAggregates(settings.modelId(), consoleSettings);
  }

  @PostConstruct
  void start() {
    thread = new Thread(this::follow, "console-feed");
    thread.setDaemon(true);
    thread.start();
  }

  @PreDestroy
  void stop() throws InterruptedException {
    running = false;
    KafkaConsumer<String, byte[]> reader = consumer;
    if (reader != null) {
      reader.wakeup();
    }
    thread.join(Duration.ofSeconds(10).toMillis());
  }

  /**
   * The console's snapshot now: the topics' aggregates joined with the adapter follower's state.
   */
  public ConsoleState state() {
    ConsoleState.Feed feed;
    synchronized (topicsLock) {
      feed = new ConsoleState.Feed(List.copyOf(following), List.copyOf(waiting));
    }
    Instant now = Instant.now();
    return ConsoleState.of(
        settings.modelId(), consoleSettings, aggregates.snapshot(now), adapters.state(), feed, now);
  }

  private void follow() {
    while (running) {
      try (KafkaConsumer<String, byte[]> reader = newConsumer()) {
        consumer = reader;
        if (!running) {
          return;
        }
        readAndFollow(reader);
      } catch (WakeupException | InterruptException stopped) {
        return;
      } catch (RuntimeException e) {
        if (!running) {
          return;
        }
        LOG.warn(
            "The console's feed failed ({}); reading its topics again from {} ago in {}",
            e.toString(),
            consoleSettings.lookback(),
            FAILURE_PAUSE);
        pause(FAILURE_PAUSE);
      }
    }
  }

  private void readAndFollow(KafkaConsumer<String, byte[]> reader) {
    aggregates.clear();
    synchronized (topicsLock) {
      following.clear();
      waiting.clear();
      waiting.addAll(topics());
    }
    List<TopicPartition> assigned = new ArrayList<>();
    long nextTopicCheck = 0;
    while (running) {
      if (hasWaiting() && System.nanoTime() >= nextTopicCheck) {
        assignNewTopics(reader, assigned);
        nextTopicCheck = System.nanoTime() + TOPIC_RETRY.toNanos();
      }
      if (assigned.isEmpty()) {
        pause(POLL);
        continue;
      }
      for (ConsumerRecord<String, byte[]> record : reader.poll(POLL)) {
        take(record);
      }
    }
  }

  /** Adds the waiting topics that exist now, each from the lookback before the replica's start. */
  private void assignNewTopics(
      KafkaConsumer<String, byte[]> reader, List<TopicPartition> assigned) {
    List<String> found = new ArrayList<>();
    List<TopicPartition> added = new ArrayList<>();
    for (String topic : waitingTopics()) {
      List<PartitionInfo> infos = reader.partitionsFor(topic, METADATA_TIMEOUT);
      if (infos == null || infos.isEmpty()) {
        continue;
      }
      found.add(topic);
      infos.forEach(info -> added.add(new TopicPartition(topic, info.partition())));
    }
    if (added.isEmpty()) {
      return;
    }
    assigned.addAll(added);
    reader.assign(assigned); // partitions already assigned keep their positions
    long since = started.toEpochMilli() - consoleSettings.lookback().toMillis();
    Map<TopicPartition, Long> times = new HashMap<>();
    added.forEach(partition -> times.put(partition, since));
    // the ends first: a record written between the two lookups is then at or after its end
    // offset, so a partition with nothing in the lookback still starts before it
    Map<TopicPartition, Long> ends = reader.endOffsets(added, METADATA_TIMEOUT);
    Map<TopicPartition, OffsetAndTimestamp> starts =
        reader.offsetsForTimes(times, METADATA_TIMEOUT);
    for (TopicPartition partition : added) {
      OffsetAndTimestamp start = starts.get(partition);
      reader.seek(partition, start != null ? start.offset() : ends.get(partition));
    }
    synchronized (topicsLock) {
      waiting.removeAll(found);
      following.addAll(found);
    }
    LOG.info(
        "The console follows {} from {} ago{}",
        found,
        consoleSettings.lookback(),
        hasWaiting() ? "; waiting for " + waitingTopics() + " to exist" : "");
  }

  private void take(ConsumerRecord<String, byte[]> record) {
    if (record.value() == null) {
      return;
    }
    String topic = record.topic();
    try {
      if (topic.equals(settings.topics().evaluations())) {
        aggregates.evaluation(evaluations.deserialize(topic, record.value()));
      } else if (topic.equals(settings.topics().trainerMetrics())) {
        aggregates.trainerMetrics(trainerMetrics.deserialize(topic, record.value()));
      } else if (topic.equals(settings.topics().feedback())) {
        aggregates.feedback(feedback.deserialize(topic, record.value()));
      } else if (topic.equals(settings.topics().deadLetter())) {
        aggregates.deadLetter(deadLetters.deserialize(topic, record.value()));
      }
    } catch (SerializationException e) {
      LOG.warn(
          "The console skips an unreadable record at {}-{} offset {}: {}",
          topic,
          record.partition(),
          record.offset(),
          e.getMessage());
    }
  }

  private List<String> topics() {
    return List.of(
        settings.topics().evaluations(),
        settings.topics().trainerMetrics(),
        settings.topics().feedback(),
        settings.topics().deadLetter());
  }

  private boolean hasWaiting() {
    synchronized (topicsLock) {
      return !waiting.isEmpty();
    }
  }

  private List<String> waitingTopics() {
    synchronized (topicsLock) {
      return List.copyOf(waiting);
    }
  }

  private KafkaConsumer<String, byte[]> newConsumer() {
    Map<String, Object> config = settings.kafka().clientConfig();
    // no group: every replica reads everything, and none commits offsets
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // a reader must not create a missing topic with the broker's defaults
    config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "feedloop-serving-console-" + settings.modelId());
    return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
  }

  private void pause(Duration pause) {
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }
}
