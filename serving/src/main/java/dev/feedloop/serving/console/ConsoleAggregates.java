package dev.feedloop.serving.console;

import dev.feedloop.schemas.DeadLetter;
import dev.feedloop.schemas.EvaluationCompleted;
import dev.feedloop.schemas.FeedbackKind;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.TrainerMetrics;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The console's bounded memory of the loop's topics: the newest evaluations and trainer windows (at
 * most {@link ConsoleSettings#maxPoints()} each), window outcomes and reasons, and feedback and
 * dead letters counted per bucket for the lookback. Thread-safe: the feed adds, requests read.
 */
final class ConsoleAggregates {

  /** Rates are merged into wider buckets beyond this many, to keep the snapshot small. */
  static final int MAX_RATE_POINTS = 180;

  /** Dead letters listed with their detail. */
  static final int RECENT_DEAD_LETTERS = 20;

  private static final String TIME_PREFIX = "time/";
  private static final String TIME_SUFFIX = "_ms";
  private static final String FRESHNESS = "freshness_ms";

  private final String modelId;
  private final ConsoleSettings settings;
  private final Deque<ConsoleState.Evaluation> evaluations = new ArrayDeque<>();
  private final Deque<ConsoleState.Window> windows = new ArrayDeque<>();
  private final Map<String, Long> windowOutcomes = new TreeMap<>();
  private final Map<String, Long> trainerReasons = new TreeMap<>();
  private final RateCounter feedback;
  private final RateCounter deadLetters;
  private final Deque<ConsoleState.DeadLetterView> recentDeadLetters = new ArrayDeque<>();

  ConsoleAggregates(String modelId, ConsoleSettings settings) {
    this.modelId = modelId;
    this.settings = settings;
    List<String> kinds =
        Arrays.stream(FeedbackKind.values()).map(ConsoleAggregates::label).toList();
    this.feedback = new RateCounter(settings, kinds);
    this.deadLetters = new RateCounter(settings, List.of());
  }

  /** What the console shows of the topics now. */
  record Snapshot(
      List<ConsoleState.Evaluation> evaluations,
      List<ConsoleState.Window> windows,
      Map<String, Long> windowOutcomes,
      Map<String, Long> trainerReasons,
      ConsoleState.Rates feedback,
      ConsoleState.DeadLetters deadLetters) {}

  synchronized void evaluation(EvaluationCompleted evaluation) {
    if (!evaluation.getModelId().equals(modelId)) {
      return;
    }
    keepNewest(
        evaluations,
        new ConsoleState.Evaluation(
            evaluation.getRunId(),
            evaluation.getSequence(),
            evaluation.getAdapterVersion(),
            evaluation.getPreference(),
            evaluation.getPrompts(),
            evaluation.getFailures(),
            evaluation.getSatisfaction(),
            evaluation.getWellFormed(),
            evaluation.getStyle(),
            evaluation.getGreedySatisfaction(),
            evaluation.getGreedyWellFormed(),
            millis(evaluation.getAdapterLiveAt()),
            evaluation.getStartedAt().toEpochMilli(),
            evaluation.getCompletedAt().toEpochMilli()));
  }

  /** Online windows only: offline training steps carry no outcome. */
  synchronized void trainerMetrics(TrainerMetrics metrics) {
    if (!metrics.getModelId().equals(modelId) || metrics.getOutcome() == null) {
      return;
    }
    Map<String, Double> times = new LinkedHashMap<>();
    metrics
        .getMetrics()
        .forEach(
            (name, value) -> {
              if (name.startsWith(TIME_PREFIX) && name.endsWith(TIME_SUFFIX)) {
                times.put(
                    name.substring(TIME_PREFIX.length(), name.length() - TIME_SUFFIX.length()),
                    value);
              }
            });
    String outcome = metrics.getOutcome();
    windowOutcomes.merge(outcome, 1L, Long::sum);
    if (metrics.getReason() != null) {
      trainerReasons.merge(metrics.getReason(), 1L, Long::sum);
    }
    keepNewest(
        windows,
        new ConsoleState.Window(
            metrics.getRunId(),
            metrics.getWindow(),
            metrics.getStep(),
            metrics.getRecords(),
            outcome,
            metrics.getReason(),
            metrics.getReasonDetail(),
            metrics.getAdapterVersion(),
            metrics.getCreatedAt().toEpochMilli(),
            metrics.getMetrics().get(FRESHNESS),
            Map.copyOf(times),
            null));
  }

  /** Feedback carries no model id: the console counts the deployment's feedback topic. */
  synchronized void feedback(FeedbackReceived event) {
    feedback.count(event.getReceivedAt().toEpochMilli(), label(event.getKind()));
  }

  synchronized void deadLetter(DeadLetter letter) {
    deadLetters.count(letter.getCreatedAt().toEpochMilli(), letter.getReason());
    recentDeadLetters.addLast(
        new ConsoleState.DeadLetterView(
            letter.getSourceTopic(),
            letter.getReason(),
            letter.getDetail(),
            letter.getCreatedAt().toEpochMilli()));
    while (recentDeadLetters.size() > RECENT_DEAD_LETTERS) {
      recentDeadLetters.removeFirst();
    }
  }

  /** Forgets everything (the feed reads its topics again after a failure). */
  synchronized void clear() {
    evaluations.clear();
    windows.clear();
    windowOutcomes.clear();
    trainerReasons.clear();
    feedback.clear();
    deadLetters.clear();
    recentDeadLetters.clear();
  }

  synchronized Snapshot snapshot(Instant now) {
    List<ConsoleState.Evaluation> curve = new ArrayList<>(evaluations);
    curve.sort(
        Comparator.comparingLong(ConsoleState.Evaluation::completedAt)
            .thenComparingLong(ConsoleState.Evaluation::sequence));
    List<ConsoleState.Window> trained = new ArrayList<>(windows);
    trained.sort(
        Comparator.comparingLong(ConsoleState.Window::createdAt)
            .thenComparingLong(ConsoleState.Window::window));
    List<ConsoleState.DeadLetterView> recent = new ArrayList<>(recentDeadLetters);
    recent.sort(Comparator.comparingLong(ConsoleState.DeadLetterView::createdAt).reversed());
    return new Snapshot(
        List.copyOf(curve),
        List.copyOf(trained),
        Map.copyOf(windowOutcomes),
        Map.copyOf(trainerReasons),
        feedback.rates(now.toEpochMilli()),
        new ConsoleState.DeadLetters(deadLetters.rates(now.toEpochMilli()), List.copyOf(recent)));
  }

  private <T> void keepNewest(Deque<T> kept, T item) {
    kept.addLast(item);
    while (kept.size() > settings.maxPoints()) {
      kept.removeFirst();
    }
  }

  static String label(FeedbackKind kind) {
    return kind.name().toLowerCase(Locale.ROOT);
  }

  private static Long millis(Instant time) {
    return time == null ? null : time.toEpochMilli();
  }
}
