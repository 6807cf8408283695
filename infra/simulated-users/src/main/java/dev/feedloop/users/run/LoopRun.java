package dev.feedloop.users.run;

import dev.feedloop.schemas.EvaluationCompleted;
import dev.feedloop.schemas.TrainerMetrics;
import dev.feedloop.users.EvaluationResult;
import dev.feedloop.users.Evaluator;
import dev.feedloop.users.Outcomes;
import dev.feedloop.users.ServingClient;
import dev.feedloop.users.SimulatedUsers;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * One measured run of the loop from the users' side: the base model is evaluated, the simulated
 * users start chatting and giving feedback, and every time a new adapter goes live in serving the
 * evaluator measures it again on the fixed evaluation prompts (the newest live one when several
 * went live during a measurement). Each measurement is published on the evaluations topic; the
 * trainer's windows are read from trainer-metrics. When the users are done, a last measurement of
 * the live adapter, with greedy decoding beside it, ends the curve.
 */
public final class LoopRun {

  /**
   * One point of the learning curve.
   *
   * @param sequence 0 for the base model, then one per measurement
   * @param elapsed from the start of the run to the end of the measurement
   * @param adapterLiveAt when the measured version was first seen live (null: unknown)
   */
  public record CurveEntry(
      long sequence, Duration elapsed, EvaluationResult result, Instant adapterLiveAt) {}

  /**
   * What a run saw.
   *
   * @param curve the measurements, base model first
   * @param windows the trainer's windows reported during the run (accepted, refused, skipped)
   * @param firstSeenLive when each adapter version was first seen live in serving
   * @param refusedByServing versions serving refused
   * @param outcomes the users' requests and feedback
   * @param turns chat turns the users started
   */
  public record Result(
      Instant startedAt,
      Instant endedAt,
      List<CurveEntry> curve,
      List<TrainerMetrics> windows,
      Map<Long, Instant> firstSeenLive,
      Map<Long, String> refusedByServing,
      Outcomes.Snapshot outcomes,
      long turns) {}

  /** What a status line shows, as often as the settings say. */
  public record Progress(
      Duration elapsed,
      Outcomes.Snapshot outcomes,
      long liveVersion,
      List<TrainerMetrics> windows,
      CurveEntry latest) {}

  private final LoopRunSettings settings;
  private final SimulatedUsers users;
  private final List<CurveEntry> curve = new CopyOnWriteArrayList<>();

  public LoopRun(LoopRunSettings settings) {
    this.settings = settings;
    this.users = new SimulatedUsers(settings.users());
  }

  /**
   * Ends the users' part early (e.g. on Ctrl-C): no new turn starts; {@link #run} still takes its
   * last measurement and returns.
   */
  public void stop() {
    users.stop();
  }

  /** Runs the users and the evaluations until the users are done; blocks. */
  public Result run(Consumer<Progress> progress) throws InterruptedException {
    Instant startedAt = Instant.now();
    long start = System.nanoTime();
    ServingClient client =
        new ServingClient(
            settings.users().baseUrl(), settings.users().apiKey(), settings.users().model());
    Evaluator evaluator =
        new Evaluator(client, settings.evaluationConcurrency(), settings.users().maxTokens());
    ExecutorService background = Executors.newFixedThreadPool(2);
    try (LiveVersionWatch watch =
            new LiveVersionWatch(client, settings.livePollInterval()).start();
        TrainerWindows windows =
            new TrainerWindows(
                    settings.kafka(),
                    settings.topics().trainerMetrics(),
                    settings.modelId(),
                    startedAt)
                .start();
        EvaluationPublisher publisher =
            new EvaluationPublisher(
                settings.kafka(),
                settings.topics().evaluations(),
                settings.modelId(),
                settings.runId())) {
      Future<?> status =
          background.submit(
              () -> {
                try {
                  while (!Thread.currentThread().isInterrupted()) {
                    progress.accept(
                        new Progress(
                            Duration.ofNanos(System.nanoTime() - start),
                            users.outcomes().snapshot(),
                            watch.live(),
                            windows.windows(),
                            curve.isEmpty() ? null : curve.get(curve.size() - 1)));
                    Thread.sleep(settings.statusInterval().toMillis());
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      watch.awaitOtherThan(-1, Duration.ofSeconds(30));
      long evaluated = measure(evaluator, publisher, watch, start, true);
      Future<Outcomes.Snapshot> chatting = background.submit(users::run);
      while (!chatting.isDone()) {
        long live = watch.awaitOtherThan(evaluated, Duration.ofSeconds(1));
        if (live >= 0 && live != evaluated && !chatting.isDone()) {
          evaluated = measure(evaluator, publisher, watch, start, false);
        }
      }
      Outcomes.Snapshot outcomes = outcome(chatting);
      measure(evaluator, publisher, watch, start, true);
      status.cancel(true);
      return new Result(
          startedAt,
          Instant.now(),
          List.copyOf(curve),
          windows.windows(),
          watch.firstSeenLive(),
          watch.refusedByServing(),
          outcomes,
          users.turns());
    } finally {
      stop();
      background.shutdownNow();
    }
  }

  /** One measurement, published; returns the version that answered most prompts (0: base). */
  private long measure(
      Evaluator evaluator,
      EvaluationPublisher publisher,
      LiveVersionWatch watch,
      long start,
      boolean greedy)
      throws InterruptedException {
    Instant startedAt = Instant.now();
    EvaluationResult result =
        evaluator.evaluate(settings.users().preference(), settings.evaluationPrompts(), greedy);
    long version = result.adapterVersion() == null ? 0 : result.adapterVersion();
    Instant liveAt = watch.firstSeenLive().get(version);
    CurveEntry entry =
        new CurveEntry(curve.size(), Duration.ofNanos(System.nanoTime() - start), result, liveAt);
    EvaluationCompleted event =
        publisher.toEvent(
            entry.sequence(),
            result,
            Evaluator.TEMPERATURE,
            Evaluator.TOP_P,
            liveAt,
            startedAt,
            Instant.now());
    publisher.publish(event);
    curve.add(entry);
    return version;
  }

  private static Outcomes.Snapshot outcome(Future<Outcomes.Snapshot> chatting)
      throws InterruptedException {
    try {
      return chatting.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("the simulated users failed: " + e.getCause(), e.getCause());
    }
  }
}
