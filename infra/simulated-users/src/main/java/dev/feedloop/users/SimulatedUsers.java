package dev.feedloop.users;

import dev.feedloop.synthetic.AnswerGrammar;
import dev.feedloop.synthetic.PromptSplit;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the simulated users against serving: turns start at the configured rate (turn {@code k} at
 * {@code k / requestsPerSecond} seconds), at most {@code concurrency} at a time, until the duration
 * has passed or enough feedback was accepted. Each turn asks a chat question (never an evaluation
 * one, see {@link PromptSplit}) and sends the feedback {@link FeedbackPolicy} decides, naming the
 * generation ids from the answer.
 */
public final class SimulatedUsers {
  private static final Logger LOG = LoggerFactory.getLogger(SimulatedUsers.class);

  private final UsersSettings settings;
  private final ServingClient client;
  private final PromptSplit split = PromptSplit.ofCorpus();
  private final FeedbackPolicy policy;
  private final List<SimulatedUser> users;
  private final Outcomes outcomes = new Outcomes();
  private final AtomicLong turns = new AtomicLong();
  private volatile boolean stopped;

  public SimulatedUsers(UsersSettings settings) {
    this.settings = settings;
    this.client = new ServingClient(settings.baseUrl(), settings.apiKey(), settings.model());
    this.policy = new FeedbackPolicy(AnswerGrammar.ofCorpus(), settings.mix(), settings.noise());
    this.users =
        SimulatedUser.population(
            settings.idPrefix(),
            settings.users(),
            settings.preference(),
            settings.noise(),
            settings.seed());
  }

  /** The users, with their tastes. */
  public List<SimulatedUser> users() {
    return users;
  }

  /** Turns started so far (each one chat request). */
  public long turns() {
    return turns.get();
  }

  /** Live counters (readable while {@link #run} runs, e.g. for a status line). */
  public Outcomes outcomes() {
    return outcomes;
  }

  /** Ends {@link #run} early: no new turn starts, turns in flight finish. */
  public void stop() {
    stopped = true;
  }

  /** Runs until the duration passed, the event count was reached or {@link #stop}; blocks. */
  public Outcomes.Snapshot run() throws InterruptedException {
    long start = System.nanoTime();
    long end = settings.duration() == null ? Long.MAX_VALUE : start + settings.duration().toNanos();
    double interval = 1e9 / settings.requestsPerSecond();
    ExecutorService pool = Executors.newFixedThreadPool(settings.concurrency());
    java.util.concurrent.Semaphore slots =
        new java.util.concurrent.Semaphore(settings.concurrency());
    try {
      for (long k = 0; !finished(end); k++) {
        long due = start + (long) (k * interval);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(Math.min(wait, end - System.nanoTime()));
          if (finished(end)) {
            break;
          }
        }
        if (!slots.tryAcquire(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          break;
        }
        Turn turn = Turn.draw(settings.seed(), k, users, split, settings.mix());
        pool.execute(
            () -> {
              try {
                play(turn);
              } finally {
                slots.release();
              }
            });
      }
    } finally {
      pool.shutdown();
      if (!pool.awaitTermination(2, TimeUnit.MINUTES)) {
        pool.shutdownNow();
      }
    }
    return outcomes.snapshot();
  }

  /** Nanoseconds left of the duration; a day when the run has no duration. */
  private long remaining(long start) {
    return settings.duration() == null
        ? TimeUnit.DAYS.toNanos(1)
        : settings.duration().toNanos() - (System.nanoTime() - start);
  }

  private boolean finished(long start) {
    return stopped
        || remaining(start) <= 0
        || (settings.events() > 0 && outcomes.acceptedFeedback() >= settings.events());
  }

  /** One turn: ask, judge, send the feedback. */
  void play(Turn turn) {
    turns.incrementAndGet();
    ServingClient.ChatReply reply;
    try {
      reply =
          client.chat(
              turn.question().prompt(),
              turn.candidates(),
              settings.temperature(),
              settings.topP(),
              settings.maxTokens(),
              turn.user().id());
    } catch (IOException e) {
      outcomes.chatUnanswered();
      LOG.debug("chat request failed: {}", e.toString());
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    outcomes.chat(reply.status());
    if (reply.status() != 200 || reply.candidates().isEmpty()) {
      return;
    }
    for (FeedbackAction action :
        policy.decide(
            turn.kind(), turn.question(), reply.candidates(), turn.user().taste(), turn.random())) {
      try {
        outcomes.feedback(action.kind(), client.feedback(action, turn.user().id()));
      } catch (IOException e) {
        outcomes.feedbackUnanswered();
        LOG.debug("feedback request failed: {}", e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
