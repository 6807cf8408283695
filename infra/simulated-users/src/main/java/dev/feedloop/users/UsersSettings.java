package dev.feedloop.users;

import dev.feedloop.synthetic.HiddenPreference;
import java.time.Duration;

/**
 * How the simulated users run. Build it by name: {@code UsersSettings.builder().baseUrl(...)}.
 *
 * @param baseUrl serving's root URL
 * @param apiKey serving's API key, or null
 * @param model the model name chat requests carry
 * @param preference the hidden preference
 * @param users how many users (ids {@code idPrefix-0000}...)
 * @param idPrefix the users' id prefix
 * @param requestsPerSecond chat requests per second, all users together
 * @param concurrency chat requests in flight at most
 * @param duration stop after this long (null: no time limit)
 * @param events stop once this many feedback events were accepted (0: no limit)
 * @param seed makes every choice of the users (questions, kinds, votes, edits) repeatable
 * @param mix the kinds of feedback
 * @param noise the noise in it
 * @param temperature sampling temperature of chat requests
 * @param topP nucleus mass of chat requests
 * @param maxTokens completion tokens per answer at most
 */
public record UsersSettings(
    String baseUrl,
    String apiKey,
    String model,
    HiddenPreference preference,
    int users,
    String idPrefix,
    double requestsPerSecond,
    int concurrency,
    Duration duration,
    long events,
    long seed,
    FeedbackMix mix,
    Noise noise,
    double temperature,
    double topP,
    int maxTokens) {

  public UsersSettings {
    if (users < 1 || concurrency < 1 || maxTokens < 1 || !(requestsPerSecond > 0)) {
      throw new IllegalArgumentException(
          "users, concurrency, max tokens and requests per second must be positive");
    }
    if (duration == null && events <= 0) {
      throw new IllegalArgumentException("give a duration or a number of events to stop after");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Defaults: chat apps' sampling (temperature 0.7, top_p 1.0), the default mix and noise. */
  public static final class Builder {
    private String baseUrl = "http://127.0.0.1:8080";
    private String apiKey;
    private String model = "feedloop";
    private HiddenPreference preference = PreferenceSpec.parse(PreferenceSpec.DEFAULT);
    private int users = 20;
    private String idPrefix = "sim-user";
    private double requestsPerSecond = 4;
    private int concurrency = 4;
    private Duration duration = Duration.ofMinutes(1);
    private long events;
    private long seed = 1;
    private FeedbackMix mix = FeedbackMix.DEFAULT;
    private Noise noise = Noise.DEFAULT;
    private double temperature = 0.7;
    private double topP = 1.0;
    private int maxTokens = 96;

    public Builder baseUrl(String value) {
      baseUrl = value;
      return this;
    }

    public Builder apiKey(String value) {
      apiKey = value;
      return this;
    }

    public Builder model(String value) {
      model = value;
      return this;
    }

    public Builder preference(HiddenPreference value) {
      preference = value;
      return this;
    }

    public Builder users(int value) {
      users = value;
      return this;
    }

    public Builder idPrefix(String value) {
      idPrefix = value;
      return this;
    }

    public Builder requestsPerSecond(double value) {
      requestsPerSecond = value;
      return this;
    }

    public Builder concurrency(int value) {
      concurrency = value;
      return this;
    }

    public Builder duration(Duration value) {
      duration = value;
      return this;
    }

    public Builder events(long value) {
      events = value;
      return this;
    }

    public Builder seed(long value) {
      seed = value;
      return this;
    }

    public Builder mix(FeedbackMix value) {
      mix = value;
      return this;
    }

    public Builder noise(Noise value) {
      noise = value;
      return this;
    }

    public Builder temperature(double value) {
      temperature = value;
      return this;
    }

    public Builder topP(double value) {
      topP = value;
      return this;
    }

    public Builder maxTokens(int value) {
      maxTokens = value;
      return this;
    }

    public UsersSettings build() {
      return new UsersSettings(
          baseUrl,
          apiKey,
          model,
          preference,
          users,
          idPrefix,
          requestsPerSecond,
          concurrency,
          duration,
          events,
          seed,
          mix,
          noise,
          temperature,
          topP,
          maxTokens);
    }
  }
}
