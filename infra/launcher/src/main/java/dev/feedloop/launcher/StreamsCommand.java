package dev.feedloop.launcher;

import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.schemas.settings.Durations;
import dev.feedloop.streams.FeedbackStreamsApp;
import dev.feedloop.streams.StreamsSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code feedloop streams}: one feedback-streams instance against an existing cluster. */
@Command(
    name = "streams",
    mixinStandardHelpOptions = true,
    description = {
      "Runs one feedback-streams instance against an existing Kafka cluster.",
      "It joins feedback with its generations into preference-pairs and",
      "unary-feedback, and sends what it rejects to dead-letter. Creates the loop's",
      "missing topics.",
      "Instances with the same application id share the work: start several (on",
      "one machine or many, each with its own state directory) and Kafka Streams",
      "spreads the input partitions over them, moving them when one stops.",
      "Configured by environment variables (README, \"Settings\"):",
      "  FEEDLOOP_STREAMS_* (application id, guarantee, windows, user cap, threads,",
      "  metrics interval, ...), FEEDLOOP_TOPIC_PREFIX, KAFKA_CLIENT_* properties.",
      "Prints a metrics line every FEEDLOOP_STREAMS_METRICS_INTERVAL (default 1m);",
      "Ctrl-C commits what was processed and stops. Exit code 1: the cluster was",
      "unreachable, or the instance stopped on an error.",
      ""
    })
final class StreamsCommand implements Callable<Integer> {

  /** Where the state stores live unless the option or FEEDLOOP_STREAMS_STATE_DIR says otherwise. */
  static final Path DEFAULT_STATE_DIRECTORY = Path.of("runs", "streams-state");

  /** How often the wait checks whether the instance stopped on its own. */
  private static final Duration POLL = Duration.ofMillis(200);

  @Mixin StandaloneOptions options;

  @Option(
      names = "--state-dir",
      description =
          "Where this instance keeps its state stores (RocksDB; rebuilt from Kafka when lost);"
              + " default FEEDLOOP_STREAMS_STATE_DIR, else runs/streams-state. Instances on one"
              + " machine need one each.")
  Path stateDirectory;

  @ParentCommand FeedloopCommand parent;

  /** Counted down by Ctrl-C / SIGTERM, or by {@link #stop()}. */
  private final CountDownLatch stop = new CountDownLatch(1);

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Map<String, String> environment = parent.environment();
    StreamsSettings settings = settings(environment);
    String servers = options.bootstrapServers(environment);
    TopicNames topics = TopicNames.fromEnvironment(environment);
    out.printf("Kafka: %s%n", servers);
    FeedloopCommand.printTopics(out, topics);
    out.flush();
    FeedbackStreamsApp app;
    try {
      app =
          FeedbackStreamsApp.start(
              KafkaClientSettings.fromEnvironment(servers, environment),
              topics,
              settings,
              new SimpleMeterRegistry(),
              line -> {
                out.println(line);
                out.flush();
              });
    } catch (IllegalStateException e) {
      err.println("error: " + e.getMessage());
      err.flush();
      return 1;
    }
    CountDownLatch closed = new CountDownLatch(1);
    try (app) {
      out.printf(
          "feedback-streams: application id %s, %s, %d stream thread(s), state in %s; metrics"
              + " every %s%n",
          settings.applicationId(),
          settings.processingGuarantee(),
          settings.threads(),
          settings.stateDirectory().toAbsolutePath(),
          Durations.format(settings.metricsInterval()));
      out.flush();
      if (!runUntilStopped(app, closed, out)) {
        err.println("error: feedback-streams stopped on its own; the log above says why");
        err.flush();
        return 1;
      }
    } finally {
      // the app is closed (try-with-resources closes before finally): a Ctrl-C may exit now
      closed.countDown();
    }
    out.println("feedback-streams: stopped");
    out.flush();
    return 0;
  }

  /** FEEDLOOP_STREAMS_* settings; --state-dir replaces the state directory they name. */
  private StreamsSettings settings(Map<String, String> environment) {
    try {
      StreamsSettings settings =
          StreamsSettings.fromEnvironment(environment, DEFAULT_STATE_DIRECTORY);
      return stateDirectory == null
          ? settings
          : settings.toBuilder().stateDirectory(stateDirectory).build();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }

  /**
   * What Ctrl-C does, for a caller in the same JVM (a test, a process embedding the command): the
   * instance commits what it processed, closes, and the command returns 0.
   */
  void stop() {
    stop.countDown();
  }

  /**
   * Runs until Ctrl-C / SIGTERM or the end of --duration (true), or until the instance stops on its
   * own (false). Prints once this instance has its share of the partitions. On a signal the JVM
   * only waits for its shutdown hooks, so the hook holds it until {@code closed}.
   */
  private boolean runUntilStopped(FeedbackStreamsApp app, CountDownLatch closed, PrintWriter out)
      throws InterruptedException {
    Thread hook = FeedloopCommand.addStopHook(stop::countDown, closed, "feedloop-stop-streams");
    boolean bounded = !options.duration.isZero();
    long deadline = System.nanoTime() + options.duration.toNanos();
    boolean announced = false;
    try {
      while (!stop.await(POLL.toMillis(), TimeUnit.MILLISECONDS)) {
        if (app.awaitStopped(Duration.ZERO)) {
          return false;
        }
        if (!announced && app.awaitRunning(Duration.ofMillis(1))) {
          announced = true;
          out.println(
              "feedback-streams: running (this instance's share of the input partitions assigned)");
          out.flush();
        }
        if (bounded && System.nanoTime() - deadline >= 0) {
          break;
        }
      }
      return true;
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: it waits for `closed`
      }
    }
  }
}
