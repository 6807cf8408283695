package dev.feedloop.users;

import dev.feedloop.schemas.settings.Durations;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code feedloop users}: simulated users chatting with a running serving and giving feedback by a
 * hidden preference; optionally an evaluation before and after. Prints the feedback sent by kind
 * and the HTTP outcomes.
 */
@Command(
    name = "users",
    mixinStandardHelpOptions = true,
    description =
        "Simulated users: chat with serving through its OpenAI-shaped HTTP API and give feedback "
            + "(thumbs, choices between two candidates, edits, retractions) by a hidden preference.")
public final class UsersCommand implements Callable<Integer> {

  @Option(
      names = "--base-url",
      defaultValue = "${env:FEEDLOOP_SERVING_URL:-http://127.0.0.1:8080}",
      description = "serving's URL (default: ${DEFAULT-VALUE})")
  String baseUrl;

  @Option(
      names = "--api-key",
      defaultValue = "${env:FEEDLOOP_API_KEY}",
      description = "serving's API key, sent as Bearer (env FEEDLOOP_API_KEY)")
  String apiKey;

  @Option(
      names = "--preference",
      defaultValue = PreferenceSpec.DEFAULT,
      description =
          "hidden preference: athene|other-name|no-name, polite|impolite, brief|verbose joined by"
              + " commas (default: ${DEFAULT-VALUE})")
  String preference;

  @Option(names = "--users", defaultValue = "20", description = "users (default: ${DEFAULT-VALUE})")
  int users;

  @Option(
      names = "--rate",
      defaultValue = "4",
      description = "chat requests per second, all users together (default: ${DEFAULT-VALUE})")
  double rate;

  @Option(
      names = "--concurrency",
      defaultValue = "4",
      description = "chat requests in flight at most (default: ${DEFAULT-VALUE})")
  int concurrency;

  @Option(
      names = "--mix",
      defaultValue = "thumbs=0.5,choice=0.3,edit=0.2,retract=0.05",
      description = "feedback mix (default: ${DEFAULT-VALUE})")
  String mix;

  @Option(
      names = "--noise",
      defaultValue = "random=0.05,contrary=0.05,other-taste=0.1",
      description = "vote noise and share of users of another taste (default: ${DEFAULT-VALUE})")
  String noise;

  @Option(
      names = "--duration",
      description = "how long to run, e.g. 90s, 5m (default 1m unless --events)")
  String duration;

  @Option(
      names = "--events",
      defaultValue = "0",
      description = "stop once this many feedback events were accepted (0: no limit)")
  long events;

  @Option(names = "--seed", defaultValue = "1", description = "seed (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(
      names = "--evaluate",
      defaultValue = "0",
      description = "evaluate on this many held-out prompts before and after (0: no evaluation)")
  int evaluate;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    UsersSettings settings;
    try {
      settings = settings();
    } catch (IllegalArgumentException e) {
      // a usage error (exit code 2, the message and the usage), not a stack trace
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    Evaluator evaluator =
        new Evaluator(
            new ServingClient(baseUrl, apiKey, settings.model()),
            concurrency,
            settings.maxTokens());
    if (evaluate > 0) {
      System.out.println("before: " + evaluator.evaluate(settings.preference(), evaluate, true));
    }
    SimulatedUsers simulated = new SimulatedUsers(settings);
    Outcomes.Snapshot outcomes = simulated.run();
    System.out.println(outcomes);
    if (evaluate > 0) {
      System.out.println("after: " + evaluator.evaluate(settings.preference(), evaluate, true));
    }
    return 0;
  }

  /** The settings the options name; the duration defaults to a minute unless events are given. */
  UsersSettings settings() {
    Duration limit =
        duration != null ? Durations.parse(duration) : events > 0 ? null : Duration.ofMinutes(1);
    return UsersSettings.builder()
        .baseUrl(baseUrl)
        .apiKey(apiKey)
        .preference(PreferenceSpec.parse(preference))
        .users(users)
        .requestsPerSecond(rate)
        .concurrency(concurrency)
        .mix(FeedbackMix.parse(mix))
        .noise(Noise.parse(noise))
        .duration(limit)
        .events(events)
        .seed(seed)
        .build();
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new UsersCommand()).execute(args));
  }
}
