package dev.feedloop.serving.chat;

import dev.feedloop.model.Completion;
import dev.feedloop.model.Generator;
import dev.feedloop.model.LanguageModel;
import dev.feedloop.model.SamplingParams;
import dev.feedloop.model.generate.DecodeBatch;
import dev.feedloop.model.generate.DecodeRow;
import dev.feedloop.model.generate.GeneratedToken;
import dev.feedloop.model.generate.TokenListener;
import dev.feedloop.model.lora.AdapterSlot;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.serving.api.ApiException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micronaut.context.annotation.Context;
import jakarta.annotation.PreDestroy;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Continuous batching for the server: one thread owns the model and runs the decode loop. Requests
 * queue; at every token boundary waiting requests are admitted while their candidates fit the
 * batch, each with a lease on the live adapter that it keeps until its last candidate ends. Rows of
 * one adapter share a {@link DecodeBatch}; after a swap, requests admitted before it finish in the
 * old adapter's batch while new ones start in the new adapter's, and every step advances each
 * non-empty batch by one token. Created with the application context (its meters exist from the
 * start).
 */
@Context
public final class DecodeLoop {

  private static final Logger LOG = LoggerFactory.getLogger(DecodeLoop.class);

  /** How long the idle loop waits for a request before it checks whether it should stop. */
  private static final long IDLE_POLL_MS = 200;

  /** What a request hears from the loop, always on the loop's thread: return quickly. */
  public interface RequestListener {

    /** The request joined a batch with the adapter of {@code lease} (held until {@link #ended}). */
    void admitted(AdapterSlot.Lease lease);

    void token(int candidate, GeneratedToken token);

    /**
     * A candidate ended (finish reason "stop", "length" or {@link DecodeRow#CANCELLED}); the lease
     * is still held, so {@code adapter} may be used to score it.
     */
    void finished(int candidate, Completion completion, LoraAdapter adapter);

    /** Every candidate ended and the lease was released. */
    void ended();

    /** Generation failed; no further calls follow. */
    void failed(RuntimeException error);
  }

  /** A queued or running request; {@link #cancel()} makes its rows leave at the next boundary. */
  public static final class Submission {
    private final long[] prompt;
    private final SamplingParams params;
    private final int topLogProbs;
    private final RequestListener listener;
    private final List<DecodeRow> rows = new ArrayList<>();
    private volatile boolean cancelled;
    private AdapterSlot.Lease lease;
    private int running;

    private Submission(
        long[] prompt, SamplingParams params, int topLogProbs, RequestListener listener) {
      this.prompt = prompt;
      this.params = params;
      this.topLogProbs = topLogProbs;
      this.listener = listener;
    }

    /** The client went away: its candidates stop at the next token boundary. */
    public void cancel() {
      cancelled = true;
      synchronized (rows) {
        rows.forEach(DecodeRow::cancel);
      }
    }
  }

  private final LanguageModel model;
  private final Generator generator;
  private final AdapterSlot adapters;
  private final GenerationSettings settings;
  private final LinkedBlockingQueue<Submission> waiting;
  private final Map<LoraAdapter, DecodeBatch> batches = new IdentityHashMap<>();
  private final Thread thread;
  private volatile boolean stopping;

  private final AtomicInteger lastStepRows = new AtomicInteger();
  private final DistributionSummary occupancy;
  private final Timer stepTime;
  private final Counter rejected;

  public DecodeLoop(
      LanguageModel model,
      AdapterSlot adapters,
      GenerationSettings settings,
      MeterRegistry meters) {
    this.model = model;
    this.generator = model.generator();
    this.adapters = adapters;
    this.settings = settings;
    this.waiting = new LinkedBlockingQueue<>(settings.maxQueuedRequests());
    Gauge.builder("feedloop.batch.rows", lastStepRows, AtomicInteger::get)
        .description(
            "rows (candidates) computed in the last decode step, all adapters' batches; 0 when idle")
        .register(meters);
    this.occupancy =
        DistributionSummary.builder("feedloop.batch.occupancy")
            .description("rows computed per decode step")
            .register(meters);
    this.stepTime =
        Timer.builder("feedloop.decode.step")
            .description("duration of one decode step: one token for every running row")
            .register(meters);
    Gauge.builder("feedloop.queue.length", waiting, LinkedBlockingQueue::size)
        .description("requests waiting for admission to the decode batch")
        .register(meters);
    this.rejected =
        Counter.builder("feedloop.requests.rejected")
            .tag("limit", "max_queued_requests")
            .description("requests refused with 429 because the admission queue was full")
            .register(meters);
    this.thread = new Thread(this::run, "decode-loop");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Queues a request of {@code params.n()} candidates.
   *
   * @throws ApiException 429 when {@link GenerationSettings#maxQueuedRequests()} requests wait
   */
  public Submission submit(
      long[] prompt, SamplingParams params, int topLogProbs, RequestListener listener) {
    Submission submission = new Submission(prompt, params, topLogProbs, listener);
    if (!waiting.offer(submission)) {
      rejected.increment();
      throw ApiException.overloaded(
          "max_queued_requests",
          "the server is busy: "
              + settings.maxQueuedRequests()
              + " requests are already waiting; retry later");
    }
    return submission;
  }

  private void run() {
    while (!stopping) {
      try {
        admitWaiting();
        int computed = 0;
        long started = System.nanoTime();
        for (DecodeBatch batch : List.copyOf(batches.values())) {
          computed += step(batch);
        }
        lastStepRows.set(computed);
        if (computed > 0) {
          stepTime.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
          occupancy.record(computed);
        }
        closeEmptyBatches();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        // the batches fail their own requests; this is the loop's bookkeeping: keep serving
        LOG.error("decode loop iteration failed", e);
      }
    }
  }

  /**
   * Admits waiting requests while their rows fit, oldest first; waits a moment for one when nothing
   * runs. A request with more candidates than the batch holds runs alone.
   */
  private void admitWaiting() throws InterruptedException {
    Map<LoraAdapter, List<Submission>> joining = new IdentityHashMap<>();
    int rows = countRows();
    if (rows == 0 && waiting.isEmpty()) {
      Submission first = waiting.poll(IDLE_POLL_MS, TimeUnit.MILLISECONDS);
      if (first == null) {
        return;
      }
      admit(first, joining);
      rows += first.params.n();
    }
    for (Submission next = waiting.peek(); next != null; next = waiting.peek()) {
      if (rows > 0 && rows + next.params.n() > settings.maxBatchRows()) {
        break;
      }
      waiting.poll(); // the loop is the only consumer: this is the request peeked
      admit(next, joining);
      rows += next.params.n();
    }
    for (Map.Entry<LoraAdapter, List<Submission>> group : joining.entrySet()) {
      prefill(group.getKey(), group.getValue());
    }
  }

  /** Takes the adapter lease and builds the request's rows, one random stream per candidate. */
  private void admit(Submission submission, Map<LoraAdapter, List<Submission>> joining) {
    AdapterSlot.Lease lease;
    try {
      lease = adapters.acquire();
    } catch (RuntimeException closed) {
      // the slot closes with the application: nothing can be generated any more
      safely(submission, () -> submission.listener.failed(closed));
      return;
    }
    submission.lease = lease;
    int n = submission.params.n();
    submission.running = n;
    RandomGenerator[] streams = Generator.rowStreams(submission.params.seed(), n);
    synchronized (submission.rows) {
      for (int c = 0; c < n; c++) {
        DecodeRow row =
            new DecodeRow(
                submission.prompt,
                submission.params,
                streams[c],
                submission.topLogProbs,
                new CandidateListener(submission, c));
        if (submission.cancelled) {
          row.cancel();
        }
        submission.rows.add(row);
      }
    }
    joining.computeIfAbsent(lease.adapter(), a -> new ArrayList<>()).add(submission);
  }

  private void prefill(LoraAdapter adapter, List<Submission> submissions) {
    DecodeBatch batch = batches.computeIfAbsent(adapter, generator::newBatch);
    List<DecodeRow> rows = new ArrayList<>();
    for (Submission s : submissions) {
      safely(s, () -> s.listener.admitted(s.lease));
      rows.addAll(s.rows);
    }
    try {
      batch.admit(rows);
    } catch (RuntimeException e) {
      // the batch's state is unknown after a failed prefill: fail every request in it
      failBatch(adapter, batch, e);
      submissions.forEach(s -> fail(s, e));
    }
  }

  private int step(DecodeBatch batch) {
    try {
      return batch.step();
    } catch (RuntimeException e) {
      failBatch(batch.adapter(), batch, e);
      return 0;
    }
  }

  /** Fails every request with a row in {@code batch} and drops the batch. */
  private void failBatch(LoraAdapter adapter, DecodeBatch batch, RuntimeException e) {
    LOG.error("decoding failed; the requests of this batch are failed", e);
    batches.remove(adapter);
    batch.close();
    for (Submission s : inFlight.keySet().toArray(new Submission[0])) {
      if (s.lease != null && s.lease.adapter() == adapter) {
        fail(s, e);
      }
    }
  }

  /** Requests admitted and not yet ended. */
  private final Map<Submission, Boolean> inFlight = new IdentityHashMap<>();

  private void fail(Submission s, RuntimeException e) {
    if (inFlight.remove(s) == null && s.running == 0) {
      return;
    }
    s.running = 0;
    s.lease.close();
    safely(s, () -> s.listener.failed(e));
  }

  private void closeEmptyBatches() {
    batches
        .values()
        .removeIf(
            batch -> {
              if (batch.isEmpty()) {
                batch.close();
                return true;
              }
              return false;
            });
  }

  private int countRows() {
    int rows = 0;
    for (DecodeBatch batch : batches.values()) {
      rows += batch.rows();
    }
    return rows;
  }

  /** Forwards a row's events to its request, candidate index attached. */
  private final class CandidateListener implements TokenListener {
    private final Submission submission;
    private final int candidate;

    CandidateListener(Submission submission, int candidate) {
      this.submission = submission;
      this.candidate = candidate;
      inFlight.put(submission, Boolean.TRUE);
    }

    @Override
    public void token(DecodeRow row, GeneratedToken token) {
      if (submission.running > 0) {
        safely(submission, () -> submission.listener.token(candidate, token));
      }
    }

    @Override
    public void finished(DecodeRow row, Completion completion) {
      if (submission.running == 0) {
        return; // the request failed already
      }
      safely(
          submission,
          () -> submission.listener.finished(candidate, completion, submission.lease.adapter()));
      if (--submission.running == 0) {
        inFlight.remove(submission);
        submission.lease.close();
        safely(submission, submission.listener::ended);
      }
    }
  }

  /** A listener's failure is its request's, not the loop's. */
  private void safely(Submission s, Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      LOG.warn("a request's listener failed; the request is cancelled", e);
      s.cancel();
    }
  }

  @PreDestroy
  void stop() throws InterruptedException {
    stopping = true;
    thread.join(TimeUnit.SECONDS.toMillis(5));
    batches.values().forEach(DecodeBatch::close);
    batches.clear();
  }
}
