package dev.feedloop.users.run;

import dev.feedloop.schemas.FeedbackKind;
import dev.feedloop.users.Outcomes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The record of one run of the loop: what was asked, the learning curve, and what the loop did
 * along the way. Build it by name with {@link #builder()}. Base, final and best are derived from
 * the curve (the first point is the base model before any feedback, the last one where the run
 * ended), so they can never disagree with it.
 *
 * @param runId names the run (and its directory under runs/)
 * @param preference the users' hidden preference, in {@code PreferenceSpec} form
 * @param settings what the run was asked to do
 * @param startedAt when the users started
 * @param endedAt when the run ended
 * @param curve the evaluations, in order of elapsed time
 * @param adaptersPublished adapter versions the trainer published
 * @param refusals adapters that did not go live, with the reason
 * @param windows the trainer's windows completed (accepted, refused or skipped)
 * @param feedbackByKind feedback events serving accepted, every kind present (0 when none)
 * @param chatRequests chat requests the users sent
 * @param chatFailures chat requests that got no 2xx answer
 * @param freshnessSamples from feedback to a live adapter, one per (window, adapter)
 */
public record RunSummary(
    String runId,
    String preference,
    RunSettings settings,
    Instant startedAt,
    Instant endedAt,
    List<CurvePoint> curve,
    long adaptersPublished,
    List<Refusal> refusals,
    long windows,
    Map<FeedbackKind, Long> feedbackByKind,
    long chatRequests,
    long chatFailures,
    List<Freshness.Sample> freshnessSamples) {

  public RunSummary {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(preference, "preference");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(endedAt, "endedAt");
    List<CurvePoint> sorted = new ArrayList<>(curve);
    // evaluations may be recorded out of order when they overlap; the curve reads left to right
    sorted.sort(Comparator.comparingDouble(CurvePoint::elapsedSeconds));
    curve = List.copyOf(sorted);
    refusals = List.copyOf(refusals);
    freshnessSamples = List.copyOf(freshnessSamples);
    feedbackByKind = everyKind(feedbackByKind);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The first evaluation (the base model before any feedback), null without any. */
  public CurvePoint base() {
    return curve.isEmpty() ? null : curve.get(0);
  }

  /** The last evaluation (where the run ended), null without any. */
  public CurvePoint last() {
    return curve.isEmpty() ? null : curve.get(curve.size() - 1);
  }

  /** The evaluation with the highest satisfaction (the earliest on a tie), null without any. */
  public CurvePoint best() {
    CurvePoint best = null;
    for (CurvePoint point : curve) {
      if (best == null || point.satisfaction() > best.satisfaction()) {
        best = point;
      }
    }
    return best;
  }

  /** Adapters that did not go live. */
  public int adaptersRefused() {
    return refusals.size();
  }

  /** Feedback events accepted, all kinds together. */
  public long feedbackEvents() {
    return feedbackByKind.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The freshness quantiles of the samples. */
  public Freshness freshness() {
    return Freshness.of(freshnessSamples);
  }

  /** How long the run took. */
  public Duration duration() {
    return Duration.between(startedAt, endedAt);
  }

  private static Map<FeedbackKind, Long> everyKind(Map<FeedbackKind, Long> counts) {
    Map<FeedbackKind, Long> all = new EnumMap<>(FeedbackKind.class);
    for (FeedbackKind kind : FeedbackKind.values()) {
      all.put(kind, counts.getOrDefault(kind, 0L));
    }
    return Collections.unmodifiableMap(all);
  }

  /** A summary built by name; lists start empty and counts at 0. */
  public static final class Builder {
    private String runId;
    private String preference;
    private RunSettings settings = RunSettings.builder().build();
    private Instant startedAt;
    private Instant endedAt;
    private final List<CurvePoint> curve = new ArrayList<>();
    private long adaptersPublished;
    private final List<Refusal> refusals = new ArrayList<>();
    private long windows;
    private Map<FeedbackKind, Long> feedbackByKind = Map.of();
    private long chatRequests;
    private long chatFailures;
    private final List<Freshness.Sample> freshnessSamples = new ArrayList<>();

    public Builder runId(String value) {
      runId = value;
      return this;
    }

    public Builder preference(String value) {
      preference = value;
      return this;
    }

    public Builder settings(RunSettings value) {
      settings = value;
      return this;
    }

    public Builder startedAt(Instant value) {
      startedAt = value;
      return this;
    }

    public Builder endedAt(Instant value) {
      endedAt = value;
      return this;
    }

    /** Replaces the curve. */
    public Builder curve(List<CurvePoint> points) {
      curve.clear();
      curve.addAll(points);
      return this;
    }

    /** Adds one point to the curve. */
    public Builder point(CurvePoint point) {
      curve.add(point);
      return this;
    }

    public Builder adaptersPublished(long value) {
      adaptersPublished = value;
      return this;
    }

    /** Replaces the refusals. */
    public Builder refusals(List<Refusal> values) {
      refusals.clear();
      refusals.addAll(values);
      return this;
    }

    /** Adds one refusal. */
    public Builder refusal(Refusal value) {
      refusals.add(value);
      return this;
    }

    public Builder windows(long value) {
      windows = value;
      return this;
    }

    public Builder feedbackByKind(Map<FeedbackKind, Long> value) {
      feedbackByKind = value;
      return this;
    }

    public Builder chatRequests(long value) {
      chatRequests = value;
      return this;
    }

    public Builder chatFailures(long value) {
      chatFailures = value;
      return this;
    }

    /** Chat requests, chat failures and accepted feedback by kind from the users' counters. */
    public Builder outcomes(Outcomes.Snapshot outcomes) {
      long requests = outcomes.chats().values().stream().mapToLong(Long::longValue).sum();
      return chatRequests(requests)
          .chatFailures(requests - outcomes.chats().getOrDefault(Outcomes.Outcome.SUCCESS, 0L))
          .feedbackByKind(outcomes.acceptedByKind());
    }

    /** Replaces the freshness samples. */
    public Builder freshnessSamples(List<Freshness.Sample> values) {
      freshnessSamples.clear();
      freshnessSamples.addAll(values);
      return this;
    }

    /** Adds one freshness sample. */
    public Builder freshnessSample(Freshness.Sample value) {
      freshnessSamples.add(value);
      return this;
    }

    public RunSummary build() {
      return new RunSummary(
          runId,
          preference,
          settings,
          startedAt,
          endedAt,
          curve,
          adaptersPublished,
          refusals,
          windows,
          feedbackByKind,
          chatRequests,
          chatFailures,
          freshnessSamples);
    }
  }
}
