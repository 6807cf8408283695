package dev.feedloop.serving.console;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.feedloop.schemas.AdapterPublished;
import dev.feedloop.serving.adapters.AdapterState;
import dev.feedloop.serving.adapters.AdapterVersionView;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * GET /console/api/state: one snapshot of everything the operator console shows. Times are epoch
 * milliseconds, durations milliseconds.
 *
 * @param model the model this replica serves
 * @param generatedAt when the snapshot was taken
 * @param lookbackMs how far back the console read its topics
 * @param live the live adapter version here
 * @param adapters every announced version, ascending (the adapter follower's history)
 * @param evaluations the learning curve: the evaluator's measurements, oldest first
 * @param windows the online trainer's windows, oldest first
 * @param windowOutcomes windows by outcome (accepted, refused, skipped)
 * @param trainerReasons refused and skipped windows by reason code (accuracy-drop, kl-bound, ...)
 * @param feedback feedback events by kind per bucket, and totals
 * @param deadLetters dead letters by reason per bucket, totals and the newest few
 * @param freshness the newest accepted window's way from its newest record to serving
 * @param feed which topics the console follows and which it waits for (not created yet)
 */
@Serdeable
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ConsoleState(
    String model,
    @JsonProperty("generated_at") long generatedAt,
    @JsonProperty("lookback_ms") long lookbackMs,
    Live live,
    List<Adapter> adapters,
    List<Evaluation> evaluations,
    List<Window> windows,
    @JsonProperty("window_outcomes") Map<String, Long> windowOutcomes,
    @JsonProperty("trainer_reasons") Map<String, Long> trainerReasons,
    Rates feedback,
    @JsonProperty("dead_letters") DeadLetters deadLetters,
    Freshness freshness,
    Feed feed) {

  /**
   * @param version the version requests get (0: the base model)
   * @param pinnedVersion the pinned version, null when none
   * @param ready whether the replica read the adapter topics and installed what they make live
   * @param liveSince when {@code version} went live in this replica
   */
  @Serdeable
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record Live(
      long version,
      @JsonProperty("pinned_version") Long pinnedVersion,
      boolean ready,
      @JsonProperty("live_since") Long liveSince) {}

  /**
   * One announced version as this replica knows it.
   *
   * @param status live, available, refused or rolled_back
   * @param reason the refusal's code, null unless refused
   * @param detail the refusal's message, null unless refused
   * @param wentLiveAt when it last went live here, null if never
   * @param publishToLiveMs from the announcement's creation to its first going live here; null for
   *     versions announced before this replica started (their install at start measures nothing)
   * @param metrics the announcement's metrics (held-out accuracy, margins, KL, ...)
   */
  @Serdeable
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record Adapter(
      long version,
      @JsonProperty("parent_version") Long parentVersion,
      @JsonProperty("run_id") String runId,
      String status,
      String reason,
      String detail,
      @JsonProperty("created_at") long createdAt,
      @JsonProperty("went_live_at") Long wentLiveAt,
      @JsonProperty("publish_to_live_ms") Long publishToLiveMs,
      Map<String, Double> metrics) {}

  /** One EvaluationCompleted: shares in [0, 1]; the base model's has no adapter version. */
  @Serdeable
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record Evaluation(
      @JsonProperty("run_id") String runId,
      long sequence,
      @JsonProperty("adapter_version") Long adapterVersion,
      String preference,
      int prompts,
      int failures,
      double satisfaction,
      @JsonProperty("well_formed") double wellFormed,
      double style,
      @JsonProperty("greedy_satisfaction") Double greedySatisfaction,
      @JsonProperty("greedy_well_formed") Double greedyWellFormed,
      @JsonProperty("adapter_live_at") Long adapterLiveAt,
      @JsonProperty("started_at") long startedAt,
      @JsonProperty("completed_at") long completedAt) {}

  /**
   * One online trainer window (TrainerMetrics with an outcome).
   *
   * @param outcome accepted, refused or skipped
   * @param reason why refused or skipped (a stable code), null when accepted
   * @param freshnessMs from the window's newest record to its commit, as the trainer measured
   * @param times the trainer's time shares (consume, train, evaluate, publish) in ms
   * @param recordToLiveMs accepted windows whose adapter went live here: freshness plus the way
   *     from the commit to live here (an estimate: the commit's time is the announcement's plus its
   *     publish time)
   */
  @Serdeable
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record Window(
      @JsonProperty("run_id") String runId,
      long window,
      long step,
      int records,
      String outcome,
      String reason,
      @JsonProperty("reason_detail") String reasonDetail,
      @JsonProperty("adapter_version") Long adapterVersion,
      @JsonProperty("created_at") long createdAt,
      @JsonProperty("freshness_ms") Double freshnessMs,
      Map<String, Double> times,
      @JsonProperty("record_to_live_ms") Double recordToLiveMs) {

    Window withRecordToLive(Double value) {
      return new Window(
          runId,
          window,
          step,
          records,
          outcome,
          reason,
          reasonDetail,
          adapterVersion,
          createdAt,
          freshnessMs,
          times,
          value);
    }
  }

  /**
   * Counts per label (a feedback kind, a dead letter's reason) per bucket of {@code bucketMs}, from
   * the oldest event kept to now, zeros included; buckets are merged so that there are at most a
   * few hundred.
   */
  @Serdeable
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record Rates(
      @JsonProperty("bucket_ms") long bucketMs,
      List<String> labels,
      List<Bucket> buckets,
      Map<String, Long> totals) {}

  @Serdeable
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record Bucket(long start, Map<String, Long> counts) {}

  /** Dead letters by reason, and the newest few with their detail. */
  @Serdeable
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record DeadLetters(Rates rates, List<DeadLetterView> recent) {}

  @Serdeable
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record DeadLetterView(
      @JsonProperty("source_topic") String sourceTopic,
      String reason,
      String detail,
      @JsonProperty("created_at") long createdAt) {}

  /**
   * The newest accepted window whose adapter went live here: from its newest record to serving, and
   * each share in ms (consume, train, evaluate, publish from the trainer; swap from serving: the
   * announcement's creation to live here less the publish time). Null fields when unknown.
   */
  @Serdeable
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record Freshness(
      @JsonProperty("adapter_version") Long adapterVersion,
      Long window,
      @JsonProperty("record_to_live_ms") Double recordToLiveMs,
      @JsonProperty("record_to_commit_ms") Double recordToCommitMs,
      Map<String, Double> shares) {

    static final Freshness UNKNOWN = new Freshness(null, null, null, null, Map.of());
  }

  /**
   * @param following the topics read now
   * @param waiting topics that do not exist yet (checked again every few seconds)
   */
  @Serdeable
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record Feed(List<String> following, List<String> waiting) {}

  /** The console's aggregates joined with the adapter follower's state. */
  static ConsoleState of(
      String model,
      ConsoleSettings settings,
      ConsoleAggregates.Snapshot aggregates,
      AdapterState adapterState,
      Feed feed,
      Instant now) {
    Map<Long, Adapter> byVersion = new HashMap<>();
    List<Adapter> adapters = new ArrayList<>();
    for (AdapterVersionView view : adapterState.history()) {
      Adapter adapter = adapter(view);
      adapters.add(adapter);
      byVersion.put(adapter.version(), adapter);
    }
    List<Window> windows = new ArrayList<>();
    Freshness freshness = Freshness.UNKNOWN;
    for (Window window : aggregates.windows()) {
      Adapter adapter =
          window.adapterVersion() == null ? null : byVersion.get(window.adapterVersion());
      Double swapMs = swapMillis(window, adapter);
      if (swapMs == null || window.freshnessMs() == null) {
        windows.add(window);
        continue;
      }
      Window joined = window.withRecordToLive(window.freshnessMs() + swapMs);
      windows.add(joined);
      Map<String, Double> shares = new java.util.LinkedHashMap<>(window.times());
      shares.put("swap", swapMs);
      freshness =
          new Freshness(
              window.adapterVersion(),
              window.window(),
              joined.recordToLiveMs(),
              window.freshnessMs(),
              shares);
    }
    return new ConsoleState(
        model,
        now.toEpochMilli(),
        settings.lookback().toMillis(),
        new Live(
            adapterState.live(),
            adapterState.decision().pinned(),
            adapterState.ready(),
            adapterState.liveSince() == null ? null : adapterState.liveSince().toEpochMilli()),
        adapters,
        aggregates.evaluations(),
        windows,
        aggregates.windowOutcomes(),
        aggregates.trainerReasons(),
        aggregates.feedback(),
        aggregates.deadLetters(),
        freshness,
        feed);
  }

  /** From the window's commit to its adapter going live here: never negative (clock skew). */
  private static Double swapMillis(Window window, Adapter adapter) {
    if (adapter == null || adapter.publishToLiveMs() == null) {
      return null;
    }
    double publish = window.times().getOrDefault("publish", 0.0);
    return Math.max(0.0, adapter.publishToLiveMs() - publish);
  }

  private static Adapter adapter(AdapterVersionView view) {
    AdapterPublished a = view.announcement();
    long created = a.getCreatedAt().toEpochMilli();
    Long wentLive = view.wentLiveAt() == null ? null : view.wentLiveAt().toEpochMilli();
    Instant arrived = view.firstLiveAfterAnnouncement();
    return new Adapter(
        a.getVersion(),
        a.getParentVersion(),
        a.getRunId(),
        view.status(),
        view.reason(),
        view.detail(),
        created,
        wentLive,
        arrived == null ? null : Math.max(0, arrived.toEpochMilli() - created),
        Map.copyOf(a.getMetrics()));
  }
}
