package dev.feedloop.trainer.online;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.feedloop.model.LanguageModel;
import dev.feedloop.schemas.AdapterPublished;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.TrainerMetrics;
import dev.feedloop.schemas.adapters.AdapterChunks;
import dev.feedloop.schemas.adapters.AdapterPublisher;
import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.schemas.kafka.TopicBootstrap;
import dev.feedloop.schemas.kafka.TopicKeys;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.schemas.kafka.TopicSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The online trainer of one model: consumes preference-pairs and unary-feedback (read_committed) in
 * windows, trains each on the live adapter ({@link WindowTrainer}), and commits per window ONE
 * Kafka transaction holding the adapter (chunks and announcement, when accepted), the window's
 * TrainerMetrics, the checkpoint it resumes from and the consumed offsets. A restarted trainer
 * resumes from the newest committed checkpoint at the committed offsets: no record is trained in
 * two published windows, none is skipped. The transactional id is per model, so a second trainer of
 * the model fences this one, which then stops ({@link Status#FENCED}).
 *
 * <p>Embed it with {@code OnlineTrainer.builder().settings(...).kafka(...).build()}, then {@link
 * #start()} and {@link #stop()}; or {@link #run()} it in the caller's thread.
 */
public final class OnlineTrainer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OnlineTrainer.class);

  /**
   * The quantiles of a window's record ages reported as freshness/qNN_ms: enough points for a
   * reader to weigh windows by their records and get the loop's freshness distribution.
   */
  static final double[] FRESHNESS_LEVELS = {0.05, 0.25, 0.5, 0.75, 0.95};

  /** Where a trainer is in its life. */
  public enum Status {
    NEW,
    STARTING,
    RUNNING,
    STOPPED,
    /** Another trainer with the same transactional id took over; this one stopped. */
    FENCED,
    FAILED
  }

  /** Told of every committed window. */
  @FunctionalInterface
  public interface WindowListener {
    void windowCommitted(WindowReport report);
  }

  private final OnlineSettings settings;
  private final KafkaClientSettings kafka;
  private final TopicNames topics;
  private final TrainerHooks hooks;
  private final WindowListener listener;
  private final int chunkBytes;
  private final String runId;
  private final AtomicReference<Status> status = new AtomicReference<>(Status.NEW);
  private final CountDownLatch started = new CountDownLatch(1);
  private final CountDownLatch finished = new CountDownLatch(1);
  private volatile boolean stopping;
  private volatile Throwable failure;
  private volatile String stopReason = "";
  private Thread thread;

  private OnlineTrainer(Builder builder) {
    this.settings = Objects.requireNonNull(builder.settings, "settings");
    this.kafka = Objects.requireNonNull(builder.kafka, "kafka");
    this.topics = builder.topics;
    this.hooks = builder.hooks;
    this.listener = builder.listener;
    this.chunkBytes = builder.chunkBytes;
    this.runId =
        "online-"
            + settings.modelId()
            + "-"
            + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                .withZone(ZoneOffset.UTC)
                .format(Instant.now());
  }

  public static Builder builder() {
    return new Builder();
  }

  public OnlineSettings settings() {
    return settings;
  }

  public Status status() {
    return status.get();
  }

  /** Why the trainer stopped when it was fenced or failed. */
  public Optional<Throwable> failure() {
    return Optional.ofNullable(failure);
  }

  /** A sentence on why it stopped (fenced, failed), empty while running or after a clean stop. */
  public String stopReason() {
    return stopReason;
  }

  /** Runs the trainer on a thread of its own. */
  public synchronized void start() {
    if (thread != null) {
      throw new IllegalStateException("already started");
    }
    thread = new Thread(this::run, "online-trainer-" + settings.modelId());
    thread.start();
  }

  /** Waits until the trainer resumed from its checkpoint and reads windows (or stopped). */
  public boolean awaitRunning(Duration timeout) throws InterruptedException {
    return started.await(timeout.toMillis(), TimeUnit.MILLISECONDS) && status() == Status.RUNNING;
  }

  /** Waits until the trainer stopped, whatever the reason. */
  public boolean awaitStopped(Duration timeout) throws InterruptedException {
    return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Stops after the window in progress is committed (a window still being read is dropped: its
   * records are read again at the next start); waits for the trainer's thread.
   */
  public void stop() {
    stopping = true;
    Thread running;
    synchronized (this) {
      running = thread;
    }
    if (running != null && running != Thread.currentThread()) {
      try {
        running.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    stop();
  }

  /** The exit code of a command whose trainer another trainer of the same model fenced. */
  public static final int EXIT_FENCED = 3;

  /**
   * A command's foreground: starts the trainer unless it runs, then waits until SIGTERM / Ctrl-C (a
   * shutdown hook stops the trainer and waits for its thread, so the window in training is
   * committed before the JVM exits), the end of {@code limit} (zero: none), or a fence or failure.
   * Returns the command's exit code: 0 stopped, {@link #EXIT_FENCED} fenced, 1 failed; the reason
   * of the last two goes to {@code err}.
   */
  public int runInForeground(Duration limit, PrintWriter err) throws InterruptedException {
    synchronized (this) {
      if (thread == null) {
        start();
      }
    }
    Thread hook = new Thread(this::stop, "online-trainer-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    long deadline = limit.isZero() ? Long.MAX_VALUE : System.nanoTime() + limit.toNanos();
    while (!awaitStopped(Duration.ofMillis(200)) && System.nanoTime() < deadline) {
      // runs until stopped, fenced or failed
    }
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is what stopped the trainer
    }
    return switch (status()) {
      case FENCED -> {
        err.println(stopReason());
        err.flush();
        yield EXIT_FENCED;
      }
      case FAILED -> {
        err.println("error: " + stopReason());
        err.flush();
        yield 1;
      }
      default -> 0;
    };
  }

  /** Runs in the caller's thread until {@link #stop()}, a fence or a failure. */
  public void run() {
    status.set(Status.STARTING);
    try {
      ensureTopics();
      try (LanguageModel model =
              LanguageModel.load(
                  settings.modelDirectory(), Device.fromName(settings.device()), DataType.FLOAT32);
          KafkaProducer<String, byte[]> producer = producer();
          KafkaConsumer<String, byte[]> consumer = consumer()) {
        loop(model, producer, consumer);
      }
      if (status.get() == Status.STARTING || status.get() == Status.RUNNING) {
        status.set(Status.STOPPED);
      }
    } catch (IOException e) {
      fail(new UncheckedIOException("cannot load the model " + settings.modelDirectory(), e));
    } catch (RuntimeException e) {
      if (fenced(e)) {
        fence(e);
      } else {
        fail(e);
      }
    } finally {
      started.countDown();
      finished.countDown();
    }
  }

  private void loop(
      LanguageModel model,
      KafkaProducer<String, byte[]> producer,
      KafkaConsumer<String, byte[]> consumer) {
    // first: fences any earlier trainer of this model and aborts its open transaction, so that the
    // checkpoint and offsets read below are final
    producer.initTransactions();
    CheckpointStore store = new CheckpointStore(kafka, topics, chunkBytes);
    TrainerSnapshot snapshot =
        store
            .latest(settings.modelId())
            .map(r -> TrainerSnapshot.restore(r.checkpoint(), r.state(), settings))
            .orElseGet(
                () ->
                    TrainerSnapshot.initial(
                        store.highestAnnouncedVersion(settings.modelId()) + 1, settings, Map.of()));
    WindowCollector collector =
        new WindowCollector(
            consumer,
            topics.preferencePairs(),
            topics.unaryFeedback(),
            settings.modelId(),
            settings.window(),
            System::currentTimeMillis);
    collector.start(snapshot.positions(), settings.startFromLatest());
    snapshot = snapshot.withPositions(collector.positions());
    WindowTrainer trainer = new WindowTrainer(model, settings, hooks);
    AdapterPublisher publisher = new AdapterPublisher(topics, chunkBytes);
    String baseModel = model.baseModelFingerprint();
    log.info(
        "online trainer of {} ({}) resumes after window {}: live version {}, next version {},"
            + " {} records seen, positions {}",
        settings.modelId(),
        settings.transactionalId(),
        snapshot.windows(),
        snapshot.liveVersion(),
        snapshot.nextVersion(),
        snapshot.recordsSeen(),
        snapshot.positions());
    status.set(Status.RUNNING);
    started.countDown();

    while (!stopping) {
      WindowCollector.Collected collected =
          collector.collect(snapshot.windows() + 1, () -> stopping);
      if (collected == null) {
        break;
      }
      WindowResult result = trainer.train(snapshot, collected.window());
      TrainerSnapshot next = result.after().withPositions(collected.next());
      try {
        WindowReport report =
            commit(
                producer, consumer, store, publisher, baseModel, snapshot, result, collected, next);
        snapshot = next;
        listener.windowCommitted(report);
      } catch (KafkaException e) {
        if (fenced(e)) {
          throw e;
        }
        log.warn(
            "window {} of {} was not committed ({}); aborting and reading it again",
            collected.window().number(),
            settings.modelId(),
            e.toString());
        producer.abortTransaction();
        collector.rewind(collected.start());
        sleep(Duration.ofSeconds(1));
      }
    }
  }

  private WindowReport commit(
      KafkaProducer<String, byte[]> producer,
      KafkaConsumer<String, byte[]> consumer,
      CheckpointStore store,
      AdapterPublisher publisher,
      String baseModel,
      TrainerSnapshot before,
      WindowResult result,
      WindowCollector.Collected collected,
      TrainerSnapshot next) {
    long publishStart = System.nanoTime();
    Window window = collected.window();
    Instant at = Instant.now();
    producer.beginTransaction();
    if (result.accepted()) {
      AdapterPublished announcement =
          AdapterPublished.newBuilder()
              .setModelId(settings.modelId())
              .setVersion(result.version())
              .setParentVersion(before.liveVersion() == 0 ? null : before.liveVersion())
              .setRunId(runId)
              .setLora(settings.lora().toSettings())
              .setConsumed(collected.ranges())
              .setMetrics(finite(result.metrics()))
              .setChecksum("")
              .setLocation("")
              .setCreatedAt(at)
              .setBaseModel(baseModel)
              .build();
      publisher.publish(producer, announcement, result.adapter());
    }
    store.write(producer, settings.modelId(), runId, next, next.toState(settings.modelId()), at);
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    collected
        .next()
        .forEach((partition, offset) -> offsets.put(partition, new OffsetAndMetadata(offset)));
    producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());

    Map<String, Double> metrics = new LinkedHashMap<>(result.metrics());
    metrics.put("time/consume_ms", (double) (window.closedMillis() - window.openedMillis()));
    metrics.put("time/publish_ms", (System.nanoTime() - publishStart) / 1e6);
    Instant newest = window.newestRecordAt();
    Instant commitRequested = Instant.now();
    if (newest != null) {
      metrics.put("freshness_ms", (double) Duration.between(newest, commitRequested).toMillis());
      // the whole window's spread, so that a reader can tell the freshness of every record, not
      // only the newest (the oldest waited the longest)
      double[] ages = window.ageQuantilesMillis(commitRequested, FRESHNESS_LEVELS);
      for (int i = 0; i < ages.length; i++) {
        metrics.put(
            String.format(Locale.ROOT, "freshness/q%02d_ms", Math.round(FRESHNESS_LEVELS[i] * 100)),
            ages[i]);
      }
    }
    TrainerMetrics record =
        TrainerMetrics.newBuilder()
            .setModelId(settings.modelId())
            .setRunId(runId)
            .setStep(
                before.optimizerSteps()
                    + (WindowResult.SKIPPED.equals(result.outcome())
                        ? 0
                        : settings.stepsPerWindow()))
            .setWindow(window.number())
            .setAdapterVersion(result.accepted() ? result.version() : null)
            .setRecords(window.consumed())
            .setMetrics(finite(metrics))
            .setCreatedAt(commitRequested)
            .setOutcome(result.outcome())
            .setReason(result.reason())
            .setReasonDetail(result.detail() == null ? "" : result.detail())
            .setConsumed(collected.ranges())
            .build();
    String metricsTopic = topics.trainerMetrics();
    producer.send(
        new ProducerRecord<>(
            metricsTopic,
            null,
            commitRequested.toEpochMilli(),
            TopicKeys.of(record),
            EventSerde.of(TrainerMetrics.class).serialize(metricsTopic, record)));
    hooks.at(TrainerHooks.Phase.PUBLISHING, window.number());
    producer.commitTransaction();
    Instant committed = Instant.now();
    hooks.at(TrainerHooks.Phase.COMMITTED, window.number());
    return new WindowReport(
        window.number(),
        result.outcome(),
        result.reason(),
        result.detail(),
        result.version(),
        next.liveVersion(),
        collected.ranges(),
        metrics,
        newest == null ? null : Duration.between(newest, committed));
  }

  /**
   * Avro maps carry no NaN meaningfully across tools: metrics that were not measured are left out.
   */
  private static Map<String, Double> finite(Map<String, Double> metrics) {
    Map<String, Double> out = new LinkedHashMap<>();
    metrics.forEach(
        (name, value) -> {
          if (value != null && Double.isFinite(value)) {
            out.put(name, value);
          }
        });
    return out;
  }

  private void ensureTopics() {
    try (Admin admin = Admin.create(kafka.clientConfig())) {
      TopicBootstrap.ensureTopics(admin, TopicSpec.catalog(topics));
    }
  }

  private KafkaProducer<String, byte[]> producer() {
    Map<String, Object> config = new HashMap<>(kafka.clientConfig());
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, settings.transactionalId());
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.CLIENT_ID_CONFIG, settings.transactionalId() + "-" + runId);
    // a chunk (AdapterChunks.DEFAULT_CHUNK_BYTES) and its envelope must fit one request
    config.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * 1024 * 1024);
    return new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
  }

  private KafkaConsumer<String, byte[]> consumer() {
    Map<String, Object> config = new HashMap<>(kafka.clientConfig());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, settings.groupId() + "-" + runId);
    return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
  }

  private static boolean fenced(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ProducerFencedException
          || t instanceof InvalidProducerEpochException
          || t instanceof FencedInstanceIdException) {
        return true;
      }
    }
    return false;
  }

  private void fence(RuntimeException e) {
    failure = e;
    stopReason =
        "fenced: another trainer of "
            + settings.modelId()
            + " started with transactional id "
            + settings.transactionalId()
            + "; this one stops and leaves its uncommitted window to it";
    status.set(Status.FENCED);
    log.error(stopReason + " (" + e + ")");
  }

  private void fail(RuntimeException e) {
    failure = e;
    stopReason = "failed: " + e;
    status.set(Status.FAILED);
    log.error("online trainer of {} failed", settings.modelId(), e);
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Named construction of an {@link OnlineTrainer}. */
  public static final class Builder {
    private OnlineSettings settings;
    private KafkaClientSettings kafka;
    private TopicNames topics = TopicNames.defaults();
    private TrainerHooks hooks = TrainerHooks.NONE;
    private WindowListener listener = report -> log.info(report.line());
    private int chunkBytes = AdapterChunks.DEFAULT_CHUNK_BYTES;

    private Builder() {}

    public Builder settings(OnlineSettings value) {
      settings = value;
      return this;
    }

    public Builder kafka(KafkaClientSettings value) {
      kafka = value;
      return this;
    }

    public Builder topics(TopicNames value) {
      topics = Objects.requireNonNull(value);
      return this;
    }

    /** Test hooks at named points of each window; {@link TrainerHooks#NONE} by default. */
    public Builder hooks(TrainerHooks value) {
      hooks = Objects.requireNonNull(value);
      return this;
    }

    /** Told of every committed window; logs a line per window by default. */
    public Builder listener(WindowListener value) {
      listener = Objects.requireNonNull(value);
      return this;
    }

    /** The largest chunk of adapter weights and checkpoint state on Kafka. */
    public Builder chunkBytes(int value) {
      chunkBytes = value;
      return this;
    }

    public OnlineTrainer build() {
      return new OnlineTrainer(this);
    }
  }
}
