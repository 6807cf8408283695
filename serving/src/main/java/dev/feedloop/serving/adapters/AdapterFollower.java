package dev.feedloop.serving.adapters;

import ai.djl.ndarray.types.DataType;
import dev.feedloop.model.LanguageModel;
import dev.feedloop.model.lora.AdapterSlot;
import dev.feedloop.model.lora.AdapterVerifier;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.schemas.AdapterChunk;
import dev.feedloop.schemas.AdapterCommand;
import dev.feedloop.schemas.AdapterPublished;
import dev.feedloop.schemas.AdapterWeights;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.adapters.AdapterChunks;
import dev.feedloop.schemas.adapters.AdapterWeightsException;
import dev.feedloop.schemas.adapters.LiveVersionRule;
import dev.feedloop.serving.ServingSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micronaut.context.annotation.Context;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this replica's {@link AdapterSlot} on the version the {@link LiveVersionRule} names. From
 * the replica's start it reads the adapters and adapter-commands topics from the beginning (no
 * consumer group, read_committed, every partition, only this model's records) and keeps following
 * them. For the version to serve it fetches the chunks the announcement lists (seeking straight to
 * their offsets), verifies them ({@link AdapterVerifier}) and swaps the adapter in; the slot frees
 * the old one when its last request ends. A broken adapter is refused (logged, counted by reason,
 * shown by GET /v1/adapters) and the rule falls back to the newest accepted version, so the live
 * one keeps serving.
 *
 * <p>Ready once both topics were read up to their end offsets as of start and the decided version
 * is installed.
 */
@Context
public final class AdapterFollower {

  private static final Logger LOG = LoggerFactory.getLogger(AdapterFollower.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);

  private final ServingSettings settings;
  private final AdapterSettings adapterSettings;
  private final LanguageModel model;
  private final AdapterSlot slot;
  private final AdapterVerifier verifier;
  private final MeterRegistry meters;
  private final EventSerde<AdapterPublished> announcementSerde =
      EventSerde.of(AdapterPublished.class);
  private final EventSerde<AdapterCommand> commandSerde = EventSerde.of(AdapterCommand.class);
  private final EventSerde<AdapterChunk> chunkSerde = EventSerde.of(AdapterChunk.class);
  private final Counter swaps;
  private final Timer swapDuration;

  // the follower thread writes these; readers take a snapshot under the lock
  private final Object lock = new Object();
  private final Map<Long, AdapterPublished> announcements = new TreeMap<>();
  private final List<AdapterCommand> commands = new ArrayList<>();
  private final Map<Long, String[]> refused = new TreeMap<>(); // version -> {code, detail}
  // when each version last went live here (its swap completed), for freshness: version -> time;
  // the base model (0) has been live since the replica started
  private final Map<Long, Instant> wentLive = new HashMap<>(Map.of(0L, Instant.now()));
  // versions first announced while this replica followed (not read at start), and when each first
  // went live after that: the end of its way from the trainer to serving
  private final Set<Long> announcedWhileFollowing = new HashSet<>();
  private final Set<Long> seen = new HashSet<>();
  private final Map<Long, Instant> firstLiveAfterAnnouncement = new HashMap<>();
  private LiveVersionRule.Decision decision =
      LiveVersionRule.decide(List.of(), List.of(), Set.of());
  private boolean caughtUp;

  /** When the record that last changed what should be live was read: a swap's start. */
  private long changedAtNanos = System.nanoTime();

  private volatile boolean running = true;
  private volatile KafkaConsumer<String, byte[]> topics;
  private volatile KafkaConsumer<String, byte[]> chunks;
  private Thread thread;

  public AdapterFollower(
      ServingSettings settings,
      AdapterSettings adapterSettings,
      LanguageModel model,
      AdapterSlot slot,
      MeterRegistry meters) {
    this.settings = settings;
    this.adapterSettings = adapterSettings;
    this.model = model;
    this.slot = slot;
    this.meters = meters;
    this.verifier =
        new AdapterVerifier(
            model.model().config(), model.baseModelFingerprint(), adapterSettings.maxAbsWeight());
    Gauge.builder("feedloop.adapter.live.version", slot, AdapterSlot::version)
        .description("the adapter version new requests get (0: the base model)")
        .register(meters);
    this.swaps =
        Counter.builder("feedloop.adapter.swaps")
            .description("adapter versions swapped in (pin, unpin and rollback included)")
            .register(meters);
    this.swapDuration =
        Timer.builder("feedloop.adapter.swap.duration")
            .description("from reading the record that changed the live version to it serving")
            .register(meters);
  }

  @PostConstruct
  void start() {
    thread = new Thread(this::follow, "adapter-follower");
    thread.setDaemon(true);
    thread.start();
  }

  @PreDestroy
  void stop() throws InterruptedException {
    running = false;
    KafkaConsumer<String, byte[]> reader = topics;
    if (reader != null) {
      reader.wakeup();
    }
    KafkaConsumer<String, byte[]> fetcher = chunks;
    if (fetcher != null) {
      fetcher.wakeup();
    }
    thread.join(TimeUnit.SECONDS.toMillis(10));
  }

  /** The follower's knowledge now. */
  public AdapterState state() {
    synchronized (lock) {
      long live = slot.version();
      List<AdapterVersionView> history = new ArrayList<>();
      for (AdapterPublished announcement : announcements.values()) {
        long version = announcement.getVersion();
        String[] refusal = refused.get(version);
        String status;
        if (version == live) {
          status = AdapterVersionView.LIVE;
        } else if (refusal != null) {
          status = AdapterVersionView.REFUSED;
        } else if (decision.isRolledBack(version)) {
          status = AdapterVersionView.ROLLED_BACK;
        } else {
          status = AdapterVersionView.AVAILABLE;
        }
        history.add(
            new AdapterVersionView(
                announcement,
                status,
                refusal == null ? null : refusal[0],
                refusal == null ? null : refusal[1],
                wentLive.get(version),
                firstLiveAfterAnnouncement.get(version)));
      }
      Map<Long, String> refusedCodes = new HashMap<>();
      refused.forEach((version, refusal) -> refusedCodes.put(version, refusal[0]));
      return new AdapterState(
          live,
          wentLive.get(live),
          decision,
          caughtUp && live == decision.live(),
          List.copyOf(history),
          Set.copyOf(announcements.keySet()),
          List.copyOf(commands),
          Map.copyOf(refusedCodes));
    }
  }

  private void follow() {
    try {
      followUntilStopped();
    } finally {
      KafkaConsumer<String, byte[]> fetcher = chunks;
      if (fetcher != null) {
        fetcher.close();
      }
    }
  }

  private void followUntilStopped() {
    while (running) {
      try (KafkaConsumer<String, byte[]> reader = consumer("adapters")) {
        topics = reader;
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
            "Following adapters of {} failed ({}); reading the topics again in {}",
            settings.modelId(),
            e.toString(),
            RETRY_PAUSE);
        pause();
      }
    }
  }

  /** Reads both topics from the beginning, then follows them, reconciling the slot as it goes. */
  private void readAndFollow(KafkaConsumer<String, byte[]> reader) {
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic :
        List.of(settings.topics().adapters(), settings.topics().adapterCommands())) {
      List<PartitionInfo> infos = reader.partitionsFor(topic, METADATA_TIMEOUT);
      if (infos == null || infos.isEmpty()) {
        throw new KafkaException("topic " + topic + " does not exist (yet)");
      }
      infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
    }
    reader.assign(partitions);
    reader.seekToBeginning(partitions);
    Map<TopicPartition, Long> endAtStart = reader.endOffsets(partitions, METADATA_TIMEOUT);
    synchronized (lock) {
      // read again from the beginning (also after a failure): the commands' order must be the
      // topic's; refusals stay, they depend on the bytes only
      announcements.clear();
      commands.clear();
    }
    boolean readToStartEnd = false;
    while (running) {
      for (ConsumerRecord<String, byte[]> record : reader.poll(POLL)) {
        take(record);
      }
      if (!readToStartEnd) {
        readToStartEnd = true;
        for (TopicPartition partition : partitions) {
          if (reader.position(partition, METADATA_TIMEOUT) < endAtStart.get(partition)) {
            readToStartEnd = false;
            break;
          }
        }
        if (readToStartEnd) {
          synchronized (lock) {
            caughtUp = true;
          }
          LOG.info(
              "Read the adapter announcements and commands of {} up to their end as of start",
              settings.modelId());
        }
      }
      if (readToStartEnd) {
        reconcile();
      }
    }
  }

  private void take(ConsumerRecord<String, byte[]> record) {
    if (record.value() == null) {
      return; // a tombstone: nothing to learn
    }
    try {
      if (record.topic().equals(settings.topics().adapters())) {
        AdapterPublished announcement =
            announcementSerde.deserialize(record.topic(), record.value());
        if (announcement.getModelId().equals(settings.modelId())) {
          synchronized (lock) {
            announcements.put(announcement.getVersion(), announcement);
            if (seen.add(announcement.getVersion()) && caughtUp) {
              announcedWhileFollowing.add(announcement.getVersion());
            }
            changedAtNanos = System.nanoTime();
          }
        }
      } else {
        AdapterCommand command = commandSerde.deserialize(record.topic(), record.value());
        if (command.getModelId().equals(settings.modelId())) {
          synchronized (lock) {
            commands.add(command);
            changedAtNanos = System.nanoTime();
          }
        }
      }
    } catch (org.apache.kafka.common.errors.SerializationException e) {
      LOG.error(
          "Skipping an unreadable record at {}-{} offset {}: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          e.getMessage());
    }
  }

  /** Installs what the rule names; a refusal changes the decision, so it is decided again. */
  private void reconcile() {
    while (running) {
      LiveVersionRule.Decision target;
      AdapterPublished announcement;
      long triggeredAt;
      synchronized (lock) {
        decision = LiveVersionRule.decide(announcements.keySet(), commands, refused.keySet());
        target = decision;
        announcement = announcements.get(target.live());
        triggeredAt = changedAtNanos;
      }
      if (target.live() == slot.version()) {
        return;
      }
      long previous = slot.version();
      if (target.live() == LiveVersionRule.BASE_MODEL) {
        install(null, LiveVersionRule.BASE_MODEL);
        swapped(previous, LiveVersionRule.BASE_MODEL, triggeredAt, target);
        continue;
      }
      try {
        byte[] weights = fetch(announcement);
        LoraAdapter adapter =
            verifier.verify(announcement, weights, model.model().manager(), DataType.FLOAT32);
        install(adapter, announcement.getVersion());
        swapped(previous, announcement.getVersion(), triggeredAt, target);
      } catch (AdapterWeightsException e) {
        refuse(announcement.getVersion(), e.failure().code(), e.getMessage());
      } catch (AdapterVerifier.RefusedException e) {
        refuse(announcement.getVersion(), e.reason().code(), e.getMessage());
      }
    }
  }

  /** Swaps under the lock, so a state never shows a live version without its time. */
  private void install(LoraAdapter adapter, long version) {
    synchronized (lock) {
      slot.swap(adapter, version);
      Instant now = Instant.now();
      wentLive.put(version, now);
      if (announcedWhileFollowing.contains(version)) {
        firstLiveAfterAnnouncement.putIfAbsent(version, now);
      }
    }
  }

  private void swapped(
      long previous, long version, long triggeredAt, LiveVersionRule.Decision decided) {
    long nanos = System.nanoTime() - triggeredAt;
    swaps.increment();
    swapDuration.record(nanos, TimeUnit.NANOSECONDS);
    LOG.info(
        "Adapter of {}: version {} is live (was {}{}), {} ms after reading the change",
        settings.modelId(),
        version,
        previous,
        decided.pinned() == null ? "" : ", pinned " + decided.pinned(),
        nanos / 1_000_000);
  }

  private void refuse(long version, String code, String detail) {
    synchronized (lock) {
      refused.put(version, new String[] {code, detail});
    }
    Counter.builder("feedloop.adapter.refused")
        .description("announced adapters refused by verification, by reason")
        .tag("reason", code)
        .register(meters)
        .increment();
    LOG.error(
        "Refused adapter version {} of {} ({}): {}; version {} keeps serving",
        version,
        settings.modelId(),
        code,
        detail,
        slot.version());
  }

  /**
   * The announced version's safetensors bytes: seeks to the first listed chunk offset of its
   * partition and reads forward (read_committed) until every listed offset has been passed.
   *
   * @throws AdapterWeightsException when a chunk is missing or does not check out
   * @throws KafkaException when the cluster does not deliver them within the fetch timeout
   */
  private byte[] fetch(AdapterPublished announcement) {
    AdapterWeights weights = announcement.getWeights();
    if (weights == null && announcement.getInlineWeights() != null) {
      ByteBuffer inline = announcement.getInlineWeights().duplicate();
      byte[] bytes = new byte[inline.remaining()];
      inline.get(bytes);
      return bytes; // small adapters may travel inside the announcement
    }
    if (weights == null || weights.getChunkOffsets().isEmpty()) {
      return AdapterChunks.reassemble(announcement, List.of());
    }
    KafkaConsumer<String, byte[]> fetcher = chunks;
    if (fetcher == null) {
      fetcher = consumer("adapter-weights");
      chunks = fetcher;
    }
    TopicPartition partition = new TopicPartition(weights.getTopic(), weights.getPartition());
    TreeSet<Long> wanted = new TreeSet<>(weights.getChunkOffsets());
    long first = wanted.first();
    long last = wanted.last();
    Map<Long, AdapterChunk> found = new HashMap<>();
    fetcher.assign(List.of(partition));
    fetcher.seek(partition, first);
    long end = fetcher.endOffsets(List.of(partition), METADATA_TIMEOUT).get(partition);
    long deadline = System.nanoTime() + adapterSettings.fetchTimeout().toNanos();
    while (running && fetcher.position(partition, METADATA_TIMEOUT) <= last) {
      if (fetcher.position(partition, METADATA_TIMEOUT) >= end) {
        break; // nothing more committed: what was not found is missing
      }
      if (System.nanoTime() > deadline) {
        throw new KafkaException(
            "the chunks of version "
                + announcement.getVersion()
                + " did not arrive within "
                + adapterSettings.fetchTimeout());
      }
      for (ConsumerRecord<String, byte[]> record : fetcher.poll(POLL)) {
        if (wanted.contains(record.offset()) && record.value() != null) {
          try {
            found.put(record.offset(), chunkSerde.deserialize(record.topic(), record.value()));
          } catch (org.apache.kafka.common.errors.SerializationException unreadable) {
            // left out: reassembly names it as missing
          }
        }
      }
    }
    List<AdapterChunk> ordered = new ArrayList<>();
    for (long offset : weights.getChunkOffsets()) {
      ordered.add(found.get(offset));
    }
    return AdapterChunks.reassemble(announcement, ordered);
  }

  private KafkaConsumer<String, byte[]> consumer(String purpose) {
    Map<String, Object> config = settings.kafka().clientConfig();
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(
        ConsumerConfig.CLIENT_ID_CONFIG, "feedloop-serving-" + settings.modelId() + "-" + purpose);
    return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
  }

  private void pause() {
    try {
      Thread.sleep(RETRY_PAUSE.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }
}
