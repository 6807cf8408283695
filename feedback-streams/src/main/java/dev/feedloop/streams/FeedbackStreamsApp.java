package dev.feedloop.streams;

import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.schemas.kafka.TopicBootstrap;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.schemas.kafka.TopicSpec;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The feedback topology as a running Kafka Streams application: creates the loop's missing topics,
 * starts the topology, logs a metrics line per interval and shuts down cleanly. Runs on its own
 * ({@link #main}) or embedded in another process (the all-in-one launcher).
 */
public final class FeedbackStreamsApp implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FeedbackStreamsApp.class);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(60);

  private final KafkaStreams streams;
  private final FeedbackStreamsMetrics metrics;
  private final ScheduledExecutorService metricsLog;
  private final Consumer<String> metricsLines;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicReference<FeedbackStreamsMetrics.Snapshot> lastLogged =
      new AtomicReference<>(FeedbackStreamsMetrics.Snapshot.empty());
  private volatile long lastLoggedAt = System.currentTimeMillis();

  private FeedbackStreamsApp(
      KafkaStreams streams, FeedbackStreamsMetrics metrics, Consumer<String> metricsLines) {
    this.streams = streams;
    this.metrics = metrics;
    this.metricsLines = metricsLines;
    this.metricsLog =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "feedback-streams-metrics");
              thread.setDaemon(true);
              return thread;
            });
  }

  /** Creates missing topics, then starts the topology; returns without waiting for it to run. */
  public static FeedbackStreamsApp start(
      KafkaClientSettings kafka,
      TopicNames topics,
      StreamsSettings settings,
      MeterRegistry registry) {
    return start(kafka, topics, settings, registry, log::info);
  }

  /**
   * As above, the metrics line of each interval (and the last one, at close) going to {@code
   * metricsLines} instead of the log: a command that runs only this app prints it as its output.
   */
  public static FeedbackStreamsApp start(
      KafkaClientSettings kafka,
      TopicNames topics,
      StreamsSettings settings,
      MeterRegistry registry,
      Consumer<String> metricsLines) {
    int brokers;
    try (Admin admin = Admin.create(kafka.clientConfig())) {
      TopicBootstrap.ensureTopics(admin, TopicSpec.catalog(topics));
      brokers = admin.describeCluster().nodes().get(60, TimeUnit.SECONDS).size();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reaching the cluster", e);
    } catch (Exception e) {
      throw new IllegalStateException(
          "cannot reach the Kafka cluster at " + kafka.bootstrapServers() + ": " + e.getMessage(),
          e);
    }
    FeedbackStreamsMetrics metrics = new FeedbackStreamsMetrics(registry);
    Properties properties = new Properties();
    properties.putAll(settings.streamsConfig(kafka, brokers));
    KafkaStreams streams =
        new KafkaStreams(FeedbackTopology.build(topics, settings, metrics), properties);
    FeedbackStreamsApp app = new FeedbackStreamsApp(streams, metrics, metricsLines);
    streams.setUncaughtExceptionHandler(
        exception -> {
          // bad input is dead-lettered; what arrives here is a bug or a lost cluster: stop rather
          // than spin
          log.error("feedback-streams stops on an unexpected error", exception);
          return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
    streams.setStateListener(
        (newState, oldState) -> {
          log.info("feedback-streams {} -> {}", oldState, newState);
          if (newState == KafkaStreams.State.NOT_RUNNING || newState == KafkaStreams.State.ERROR) {
            app.stopped.countDown();
          }
        });
    streams.start();
    long interval = settings.metricsInterval().toMillis();
    app.metricsLog.scheduleAtFixedRate(app::logMetrics, interval, interval, TimeUnit.MILLISECONDS);
    log.info(
        "feedback-streams started: application id {}, {} , state in {}, {} broker(s), topics {}",
        settings.applicationId(),
        settings.processingGuarantee(),
        settings.stateDirectory().toAbsolutePath(),
        brokers,
        topics);
    return app;
  }

  /** Waits until every task runs (restored and assigned); false on timeout or failure. */
  public boolean awaitRunning(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      KafkaStreams.State state = streams.state();
      if (state == KafkaStreams.State.RUNNING) {
        return true;
      }
      if (!state.isRunningOrRebalancing() && state != KafkaStreams.State.CREATED) {
        return false;
      }
      Thread.sleep(50);
    }
    return false;
  }

  public FeedbackStreamsMetrics metrics() {
    return metrics;
  }

  /** Blocks until the application stopped (closed, or shut down after an error). */
  public void awaitStopped() throws InterruptedException {
    stopped.await();
  }

  /** As {@link #awaitStopped()}, at most {@code timeout}; true once it stopped. */
  public boolean awaitStopped(Duration timeout) throws InterruptedException {
    return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  void logMetrics() {
    long now = System.currentTimeMillis();
    FeedbackStreamsMetrics.Snapshot current = metrics.snapshot();
    metricsLines.accept(current.describeSince(lastLogged.getAndSet(current), now - lastLoggedAt));
    lastLoggedAt = now;
  }

  /** Commits what was processed and stops; local state stays for the next start. */
  @Override
  public void close() {
    metricsLog.shutdownNow();
    boolean clean = streams.close(CLOSE_TIMEOUT);
    stopped.countDown();
    logMetrics();
    if (!clean) {
      log.warn("feedback-streams did not stop within {}", CLOSE_TIMEOUT);
    }
  }

  /**
   * Runs against KAFKA_BOOTSTRAP_SERVERS (default localhost:9092) with FEEDLOOP_STREAMS_* settings;
   * state under FEEDLOOP_DATA_DIR/streams. Stops cleanly on SIGTERM / Ctrl-C; exits 1 if the
   * application stops on its own.
   */
  public static void main(String[] args) throws InterruptedException {
    Map<String, String> environment = System.getenv();
    String servers =
        KafkaClientSettings.externalBootstrapServers(environment).orElse("localhost:9092");
    Path dataDirectory = Path.of(environment.getOrDefault("FEEDLOOP_DATA_DIR", "runs/local"));
    FeedbackStreamsApp app =
        start(
            KafkaClientSettings.fromEnvironment(servers, environment),
            TopicNames.fromEnvironment(environment),
            StreamsSettings.fromEnvironment(environment, dataDirectory.resolve("streams")),
            new SimpleMeterRegistry());
    AtomicBoolean shutdownRequested = new AtomicBoolean();
    CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  shutdownRequested.set(true);
                  app.close();
                  closed.countDown();
                },
                "feedback-streams-shutdown"));
    app.awaitStopped();
    if (!shutdownRequested.get()) {
      // stopped without being asked to: the cause is logged above
      System.exit(1);
    }
    closed.await();
  }
}
