package dev.feedloop.launcher;

import dev.feedloop.infra.kafka.KafkaCluster;
import dev.feedloop.launcher.bench.ServingBenchmark;
import dev.feedloop.launcher.bench.StreamsBenchmark;
import dev.feedloop.schemas.kafka.Topic;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.schemas.settings.Durations;
import dev.feedloop.streams.FeedbackStreamsApp;
import dev.feedloop.streams.StreamsSettings;
import dev.feedloop.trainer.online.OnlineTrainer;
import dev.feedloop.users.UsersCommand;
import dev.feedloop.users.run.LoopRun;
import dev.feedloop.users.run.LoopRunSettings;
import dev.feedloop.users.run.StatusPrinter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The all-in-one local launcher: the whole loop in one process on embedded defaults. */
@Command(
    name = "feedloop",
    mixinStandardHelpOptions = true,
    subcommands = {
      ServeCommand.class,
      StreamsCommand.class,
      TrainCommand.class,
      UsersCommand.class,
      ModelSubcommand.class,
      TrainerSubcommand.class,
      StreamsBenchmark.class,
      ServingBenchmark.class
    },
    version = "feedloop 0.1.0",
    description = {
      "Runs the whole feedback loop in one process and measures it: the embedded Kafka broker (or",
      "the cluster in KAFKA_BOOTSTRAP_SERVERS), feedback-streams (FEEDLOOP_STREAMS_*), serving with",
      "its OpenAI-compatible API and console (FEEDLOOP_SERVING_*; URLs printed), the online trainer",
      "(FEEDLOOP_TRAINER_*) and simulated users; the live model is evaluated after each new adapter,",
      "and the report goes to <runs-dir>/<run>/. Each component also runs alone (subcommands)."
    })
public final class FeedloopCommand implements Callable<Integer> {

  @Option(
      names = "--run",
      defaultValue = "${env:FEEDLOOP_RUN}",
      description =
          "The run's name: its report goes to <runs-dir>/<run>/ (env FEEDLOOP_RUN; default run-<date>-<time>)")
  String runName;

  @Option(
      names = "--runs-dir",
      defaultValue = "${env:FEEDLOOP_RUNS_DIR:-runs}",
      description =
          "Where runs keep their reports and data (env FEEDLOOP_RUNS_DIR; default ${DEFAULT-VALUE})")
  Path runsDirectory;

  @Option(
      names = "--data-dir",
      defaultValue = "${env:FEEDLOOP_DATA_DIR}",
      description =
          "Where the embedded broker and feedback-streams keep their data (env FEEDLOOP_DATA_DIR;"
              + " default <runs-dir>/<run>/data: every run starts from the base model). Name an earlier"
              + " run's directory to resume it.")
  Path dataDirectory;

  @Option(
      names = "--duration",
      defaultValue = "${env:FEEDLOOP_DURATION:-" + LoopOptions.DEFAULT_DURATION + "}",
      converter = DurationConverter.class,
      description =
          "How long the simulated users chat, e.g. 90s, 10m or 1d (env FEEDLOOP_DURATION; default"
              + " ${DEFAULT-VALUE}); then a last evaluation and the report. 0 (or --no-users) runs"
              + " the components until interrupted.")
  Duration duration;

  @CommandLine.Mixin LoopOptions loop;

  @Spec CommandLine.Model.CommandSpec spec;

  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(90);

  /** How often the status goes into a log (on a terminal it is rewritten every second). */
  private static final Duration STATUS_LINE_EVERY = Duration.ofSeconds(15);

  private final Map<String, String> environment;

  public FeedloopCommand(Map<String, String> environment) {
    this.environment = environment;
  }

  /** The environment the launcher was started with (System.getenv, or a test's). */
  Map<String, String> environment() {
    return environment;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new FeedloopCommand(System.getenv())).execute(args));
  }

  @Override
  public Integer call() throws InterruptedException {
    CountDownLatch closed = new CountDownLatch(1);
    try {
      return run(closed);
    } finally {
      closed.countDown();
    }
  }

  private Integer run(CountDownLatch closed) throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    String run = runName != null && !runName.isBlank() ? runName.strip() : defaultRunName();
    Path runDirectory = runsDirectory.resolve(run);
    Path data = dataDirectory != null ? dataDirectory : runDirectory.resolve("data");
    Map<String, String> components;
    try {
      components = loop.componentEnvironment(environment);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    TopicNames topics = TopicNames.fromEnvironment(components);
    try (KafkaCluster cluster = KafkaCluster.connect(components, data.resolve("kafka"), topics)) {
      out.printf(
          "Kafka: %s (%s)%n",
          cluster.settings().bootstrapServers(),
          cluster.embeddedBroker().isPresent()
              ? "embedded broker, data in " + data.resolve("kafka")
              : "external cluster");
      printTopics(out, topics);
      StreamsSettings streamsSettings =
          StreamsSettings.fromEnvironment(components, data.resolve("streams"));
      try (FeedbackStreamsApp streams =
          FeedbackStreamsApp.start(
              cluster.settings(), topics, streamsSettings, new SimpleMeterRegistry())) {
        out.printf(
            "feedback-streams: application id %s, %s, state in %s%n",
            streamsSettings.applicationId(),
            streamsSettings.processingGuarantee(),
            streamsSettings.stateDirectory());
        try (EmbeddedServer serving =
            EmbeddedServing.start(cluster.settings().bootstrapServers(), components)) {
          String baseUrl = EmbeddedServing.openAiBaseUrl(serving);
          out.printf(
              "serving: %s (OpenAI-compatible base URL; any OpenAI client works while this runs)%n",
              baseUrl);
          out.printf(
              "console: %s/console (the learning curve, adapters, windows, feedback; pin and"
                  + " roll back)%n",
              baseUrl.replaceAll("/v1$", ""));
          StatusPrinter status = StatusPrinter.on(out, STATUS_LINE_EVERY);
          OnlineTrainer trainer;
          try {
            trainer =
                EmbeddedTrainer.start(cluster.settings(), topics, components, out, status::message);
          } catch (IllegalStateException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 1;
          }
          // closed first: the window in training is committed while serving and streams still run
          try (trainer) {
            if (!loop.withUsers(duration)) {
              out.println("Ready: the loop runs until interrupted (Ctrl-C).");
              out.flush();
              awaitStop(duration, closed);
              return 0;
            }
            LoopRunSettings settings =
                LoopRunSettings.builder()
                    .users(loop.users(baseUrl, firstApiKey(components), duration))
                    .kafka(cluster.settings())
                    .topics(topics)
                    .modelId(trainer.settings().modelId())
                    .runId(run)
                    .evaluationPrompts(loop.evaluationPrompts)
                    .build();
            out.printf(
                "Run %s: %d simulated users with the hidden preference \"%s\" for %s; the live"
                    + " model is measured on %d held-out prompts after each new adapter.%n",
                run,
                loop.users,
                loop.preference,
                Durations.format(duration),
                loop.evaluationPrompts);
            out.flush();
            LoopRun.Result result;
            try (status) {
              result =
                  runUsers(
                      new LoopRun(settings),
                      closed,
                      progress -> status.update(LoopReportWriter.status(progress)));
            }
            out.println(
                LoopReportWriter.write(
                    LoopReportWriter.summary(result, settings, trainer.settings()), runDirectory));
            out.flush();
          }
        }
      }
    }
    return 0;
  }

  /**
   * The measured run in the foreground; Ctrl-C ends the users early and still writes the report.
   */
  private static LoopRun.Result runUsers(
      LoopRun loopRun, CountDownLatch closed, Consumer<LoopRun.Progress> progress)
      throws InterruptedException {
    Thread hook = addStopHook(loopRun::stop, closed, "feedloop-stop-users");
    try {
      return loopRun.run(progress);
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: it waits for `closed`
      }
    }
  }

  /** serving's first client key, for the users (null when serving runs without keys). */
  private static String firstApiKey(Map<String, String> environment) {
    String keys = environment.get("FEEDLOOP_SERVING_API_KEYS");
    if (keys == null || keys.isBlank()) {
      return null;
    }
    return keys.split(",")[0].strip();
  }

  private static String defaultRunName() {
    return "run-"
        + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .format(java.time.LocalDateTime.now());
  }

  /** One line per topic, the name and value-type columns as wide as their longest entry. */
  static void printTopics(PrintWriter out, TopicNames topics) {
    int nameWidth = 1;
    int typeWidth = 1;
    for (Topic topic : Topic.values()) {
      nameWidth = Math.max(nameWidth, topics.name(topic).length());
      typeWidth = Math.max(typeWidth, topic.valueType().getSimpleName().length());
    }
    String line = "  topic %-" + nameWidth + "s  %-" + typeWidth + "s  key: %s%n";
    for (Topic topic : Topic.values()) {
      out.printf(line, topics.name(topic), topic.valueType().getSimpleName(), topic.key());
    }
  }

  /**
   * A shutdown hook for Ctrl-C / SIGTERM: runs {@code onSignal}, then holds the JVM (which only
   * waits for its hooks) until the caller has closed the components ({@code closed}), at most
   * {@link #SHUTDOWN_TIMEOUT}. The caller removes it when it ends on its own.
   */
  static Thread addStopHook(Runnable onSignal, CountDownLatch closed, String name) {
    Thread hook =
        new Thread(
            () -> {
              onSignal.run();
              try {
                closed.await(SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            name);
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }

  /**
   * Waits for Ctrl-C / SIGTERM or the end of --duration. On a signal the JVM only waits for its
   * shutdown hooks, so the hook holds the JVM until the caller has closed the components.
   */
  static void awaitStop(Duration duration, CountDownLatch closed) throws InterruptedException {
    CountDownLatch stop = new CountDownLatch(1);
    Thread hook = addStopHook(stop::countDown, closed, "feedloop-stop");
    if (duration.isZero()) {
      stop.await();
    } else if (!stop.await(duration.toMillis(), TimeUnit.MILLISECONDS)) {
      Runtime.getRuntime().removeShutdownHook(hook);
    }
  }

  /** Reads --duration in the loop's one duration grammar ({@link Durations}). */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return Durations.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
