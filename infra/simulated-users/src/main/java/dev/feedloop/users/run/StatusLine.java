package dev.feedloop.users.run;

import java.time.Duration;
import java.util.Objects;

/**
 * The one line a running loop shows, e.g. {@code [03:12] feedback 1,204 · windows 9 · adapters 7
 * live / 1 refused · v7 · satisfaction 41.0% (well-formed 96.5%)}.
 */
public final class StatusLine {
  private StatusLine() {}

  /**
   * What the line shows at one moment. Build it by name: {@code
   * StatusLine.Snapshot.builder().elapsed(...).feedbackEvents(...)...build()}.
   *
   * @param elapsed since the run started
   * @param feedbackEvents feedback events serving accepted so far
   * @param windows the trainer's windows completed
   * @param adaptersLive adapter versions that went live
   * @param adaptersRefused adapters that did not go live
   * @param liveVersion the version serving answers with now, null for the base model
   * @param satisfaction the latest evaluation's satisfaction, null before the first one
   * @param wellFormed the latest evaluation's well-formed share, null before the first one
   */
  public record Snapshot(
      Duration elapsed,
      long feedbackEvents,
      long windows,
      long adaptersLive,
      long adaptersRefused,
      Long liveVersion,
      Double satisfaction,
      Double wellFormed) {

    public Snapshot {
      Objects.requireNonNull(elapsed, "elapsed");
    }

    public static Builder builder() {
      return new Builder();
    }

    /** A snapshot built by name; counts start at 0, the rest unknown. */
    public static final class Builder {
      private Duration elapsed = Duration.ZERO;
      private long feedbackEvents;
      private long windows;
      private long adaptersLive;
      private long adaptersRefused;
      private Long liveVersion;
      private Double satisfaction;
      private Double wellFormed;

      public Builder elapsed(Duration value) {
        elapsed = value;
        return this;
      }

      public Builder feedbackEvents(long value) {
        feedbackEvents = value;
        return this;
      }

      public Builder windows(long value) {
        windows = value;
        return this;
      }

      public Builder adaptersLive(long value) {
        adaptersLive = value;
        return this;
      }

      public Builder adaptersRefused(long value) {
        adaptersRefused = value;
        return this;
      }

      public Builder liveVersion(Long value) {
        liveVersion = value;
        return this;
      }

      public Builder satisfaction(Double value) {
        satisfaction = value;
        return this;
      }

      public Builder wellFormed(Double value) {
        wellFormed = value;
        return this;
      }

      public Snapshot build() {
        return new Snapshot(
            elapsed,
            feedbackEvents,
            windows,
            adaptersLive,
            adaptersRefused,
            liveVersion,
            satisfaction,
            wellFormed);
      }
    }
  }

  /** The line for a snapshot, without a line end. */
  public static String format(Snapshot snapshot) {
    StringBuilder line = new StringBuilder();
    line.append('[')
        .append(Figures.clock(snapshot.elapsed()))
        .append("] feedback ")
        .append(Figures.count(snapshot.feedbackEvents()))
        .append(" · windows ")
        .append(Figures.count(snapshot.windows()))
        .append(" · adapters ")
        .append(Figures.count(snapshot.adaptersLive()))
        .append(" live / ")
        .append(Figures.count(snapshot.adaptersRefused()))
        .append(" refused · ")
        .append(Figures.version(snapshot.liveVersion()))
        .append(" · satisfaction ")
        .append(Figures.percent(snapshot.satisfaction()));
    if (snapshot.wellFormed() != null) {
      line.append(" (well-formed ").append(Figures.percent(snapshot.wellFormed())).append(')');
    }
    return line.toString();
  }
}
