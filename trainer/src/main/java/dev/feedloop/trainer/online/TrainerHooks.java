package dev.feedloop.trainer.online;

import dev.feedloop.schemas.settings.Durations;
import java.io.PrintStream;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Called at named points of every window, for tests: the kill-and-resume test pauses a child
 * trainer there so that its SIGKILL lands while training, evaluating or inside the open
 * transaction; in-process tests look at the broker while a transaction is open. Production runs use
 * {@link #NONE}.
 */
@FunctionalInterface
public interface TrainerHooks {

  /** The points of a window, in order. */
  enum Phase {
    /** The window closed; its optimizer steps start. */
    TRAINING,
    /** Training is done; the held-out evaluation starts. */
    EVALUATING,
    /**
     * Every record of the window's transaction is sent (adapter chunks and announcement, metrics,
     * checkpoint, offsets); the commit comes next.
     */
    PUBLISHING,
    /** The transaction is committed. */
    COMMITTED;

    public String code() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  TrainerHooks NONE = (phase, window) -> {};

  /** The environment variable of {@link #fromEnvironment}: test-only. */
  String TEST_PAUSE_VARIABLE = "FEEDLOOP_TRAINER_TEST_PAUSE";

  void at(Phase phase, long window);

  /**
   * TEST ONLY: FEEDLOOP_TRAINER_TEST_PAUSE=publishing:500ms,training:200ms makes the trainer print
   * {@code feedloop-trainer test pause: <phase> window <n>} to stdout and sleep that long at each
   * named phase, so that a test that kills the process on seeing the line kills it there. Unset
   * (the only setting for real use): no pause.
   */
  static TrainerHooks fromEnvironment(Map<String, String> environment) {
    String spec = environment.get(TEST_PAUSE_VARIABLE);
    if (spec == null || spec.isBlank()) {
      return NONE;
    }
    Map<Phase, Duration> pauses = new EnumMap<>(Phase.class);
    for (String part : spec.split(",")) {
      String[] nameAndTime = part.strip().split(":", 2);
      try {
        pauses.put(
            Phase.valueOf(nameAndTime[0].strip().toUpperCase(Locale.ROOT)),
            Durations.parse(nameAndTime[1].strip()));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            TEST_PAUSE_VARIABLE
                + "="
                + spec
                + ": expected phase:duration pairs (phases training, evaluating, publishing,"
                + " committed), e.g. publishing:500ms",
            e);
      }
    }
    return pauses(pauses, System.out);
  }

  /** Prints a marker line and sleeps at each phase of {@code pauses}. */
  static TrainerHooks pauses(Map<Phase, Duration> pauses, PrintStream markers) {
    Map<Phase, Duration> copy = Map.copyOf(pauses);
    return (phase, window) -> {
      Duration pause = copy.get(phase);
      if (pause == null) {
        return;
      }
      markers.println("feedloop-trainer test pause: " + phase.code() + " window " + window);
      markers.flush();
      try {
        Thread.sleep(pause.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
  }
}
