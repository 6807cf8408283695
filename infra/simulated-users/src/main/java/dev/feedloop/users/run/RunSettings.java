package dev.feedloop.users.run;

import dev.feedloop.users.UsersSettings;
import java.time.Duration;

/**
 * What a run was asked to do, recorded beside its results so that two runs can be compared. Build
 * it by name: {@code RunSettings.builder().users(20).loss("dpo")...}; anything not given stays null
 * (or 0) and reads "-" in the reports.
 *
 * @param users simulated users
 * @param duration how long the users ran (null: until a number of feedback events)
 * @param windowRecords the trainer's window size in records (0: not set)
 * @param windowTime the trainer's window time limit (null: not set)
 * @param loss the trainer's loss (dpo, kto, ipo, ...)
 * @param mix the feedback mix, in {@code FeedbackMix} form
 * @param noise the feedback noise, in {@code Noise} form
 * @param seed the users' seed
 */
public record RunSettings(
    int users,
    Duration duration,
    int windowRecords,
    Duration windowTime,
    String loss,
    String mix,
    String noise,
    long seed) {

  public static Builder builder() {
    return new Builder();
  }

  /** Settings built by name. */
  public static final class Builder {
    private int users;
    private Duration duration;
    private int windowRecords;
    private Duration windowTime;
    private String loss;
    private String mix;
    private String noise;
    private long seed;

    /** Users, duration, mix, noise and seed as the simulated users run them. */
    public Builder from(UsersSettings settings) {
      return users(settings.users())
          .duration(settings.duration())
          .mix(settings.mix().toString())
          .noise(settings.noise().toString())
          .seed(settings.seed());
    }

    public Builder users(int value) {
      users = value;
      return this;
    }

    public Builder duration(Duration value) {
      duration = value;
      return this;
    }

    public Builder windowRecords(int value) {
      windowRecords = value;
      return this;
    }

    public Builder windowTime(Duration value) {
      windowTime = value;
      return this;
    }

    public Builder loss(String value) {
      loss = value;
      return this;
    }

    public Builder mix(String value) {
      mix = value;
      return this;
    }

    public Builder noise(String value) {
      noise = value;
      return this;
    }

    public Builder seed(long value) {
      seed = value;
      return this;
    }

    public RunSettings build() {
      return new RunSettings(users, duration, windowRecords, windowTime, loss, mix, noise, seed);
    }
  }
}
