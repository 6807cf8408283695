package dev.feedloop.launcher;

import dev.feedloop.schemas.settings.Durations;
import dev.feedloop.trainer.online.OnlineSettings;
import dev.feedloop.users.FeedbackMix;
import dev.feedloop.users.Noise;
import dev.feedloop.users.PreferenceSpec;
import dev.feedloop.users.UsersSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The default run's knobs: the simulated users and the evaluator, and the trainer settings an
 * operator tunes most (the rest stay FEEDLOOP_TRAINER_* variables).
 */
final class LoopOptions {
  static final String DEFAULT_DURATION = "10m";

  /**
   * Where the all-in-one run differs from each component's own defaults (an operator's variable or
   * option still wins), measured on the shipped tiny model with the default users:
   *
   * <ul>
   *   <li>votes settle after 15 s plus 5 s grace rather than 5 minutes: the users here retract at
   *       once, and the demo shows freshness in seconds;
   *   <li>LoRA on the MLP projections only: adapters on the attention projections learned the style
   *       but broke the model's copying of facts from the question ("7 plus 9 is 19"), and the
   *       well-formed share fell from 97% to under 60% within a few windows; on the MLP the style
   *       came with the facts intact;
   *   <li>DPO with an SFT term on the chosen answers (RPO) and beta 0.5, which keep the chosen
   *       answers likely and stop pushing a pair apart sooner, at learning rate 5e-4 with 16 steps
   *       per window of 48 records (8 per 24 climbed faster, 46% after 3 minutes rather than 40%,
   *       but ended lower: 71.5% satisfied and 77.5% well formed after 10 minutes, against 85.5%
   *       and 91%);
   *   <li>a tighter KL guardrail, 0.12 nats per token to the base model (default 1.0): satisfaction
   *       peaked at 80-85% with the well-formed share above 90% while the KL stayed under 0.1; once
   *       most answers pleased the users, what feedback was left was mostly noise, and the adapters
   *       that followed it past 0.13 lost well-formed answers (64% at 0.35). The bound keeps the
   *       loop at its peak and shows the refusals.
   * </ul>
   */
  static final Map<String, String> DEMO_DEFAULTS =
      Map.of(
          "FEEDLOOP_STREAMS_PAIRING_WINDOW",
          "15s",
          "FEEDLOOP_STREAMS_GRACE",
          "5s",
          OnlineSettings.PREFIX + "LORA_TARGETS",
          "gate_proj,up_proj,down_proj",
          OnlineSettings.PREFIX + "LOSS",
          "sigmoid,sft:1.0",
          OnlineSettings.PREFIX + "BETA",
          "0.5",
          OnlineSettings.PREFIX + "LEARNING_RATE",
          "5e-4",
          OnlineSettings.PREFIX + "STEPS",
          "16",
          OnlineSettings.PREFIX + "WINDOW_RECORDS",
          "48",
          OnlineSettings.PREFIX + "MAX_KL",
          "0.12");

  @Option(
      names = "--no-users",
      description = "Run the components only, until interrupted: no simulated users, no report.")
  boolean noUsers;

  @Option(
      names = "--preference",
      defaultValue = PreferenceSpec.DEFAULT,
      description =
          "The users' hidden preference: athene|other-name|no-name, polite|impolite, brief|verbose"
              + " joined by commas (default: ${DEFAULT-VALUE})")
  String preference;

  @Option(
      names = "--users",
      defaultValue = "16",
      description = "Simulated users (default: ${DEFAULT-VALUE})")
  int users;

  @Option(
      names = "--rate",
      defaultValue = "4",
      description = "Chat requests per second, all users together (default: ${DEFAULT-VALUE})")
  double rate;

  @Option(
      names = "--concurrency",
      defaultValue = "4",
      description = "Users' chat requests in flight at most (default: ${DEFAULT-VALUE})")
  int concurrency;

  @Option(
      names = "--events",
      defaultValue = "0",
      description = "Stop the users once this many feedback events were accepted (0: no limit)")
  long events;

  @Option(
      names = "--mix",
      defaultValue = "thumbs=0.5,choice=0.3,edit=0.2,retract=0.05",
      description =
          "Feedback mix (default: ${DEFAULT-VALUE}); thumbs=1,choice=0,edit=0 for a thumbs-only run")
  String mix;

  @Option(
      names = "--noise",
      defaultValue = "random=0.05,contrary=0.05,other-taste=0.1",
      description = "Vote noise and share of users of another taste (default: ${DEFAULT-VALUE})")
  String noise;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Seed of the users and the trainer (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(
      names = "--evaluation-prompts",
      defaultValue = "200",
      description = "Fixed evaluation prompts per measurement (default: ${DEFAULT-VALUE})")
  int evaluationPrompts;

  @Option(
      names = "--window-records",
      description = "Trainer: records per window (FEEDLOOP_TRAINER_WINDOW_RECORDS)")
  Integer windowRecords;

  @Option(
      names = "--window-time",
      description =
          "Trainer: a window closes after this long at most, e.g. 30s (FEEDLOOP_TRAINER_WINDOW_TIME)")
  String windowTime;

  @Option(
      names = "--loss",
      description =
          "Trainer: loss terms, e.g. sigmoid, ipo, kto, sigmoid,sft:0.1 (FEEDLOOP_TRAINER_LOSS)")
  String loss;

  /** Whether this run has users (and so an end, a last measurement and a report). */
  boolean withUsers(Duration duration) {
    return !noUsers && (!duration.isZero() || events > 0);
  }

  /**
   * The environment the components read: the demo's defaults, then the process environment, then
   * these options (the most specific wins).
   */
  Map<String, String> componentEnvironment(Map<String, String> environment) {
    Map<String, String> effective = new HashMap<>(DEMO_DEFAULTS);
    effective.putAll(environment);
    putIfGiven(effective, "WINDOW_RECORDS", windowRecords == null ? null : "" + windowRecords);
    if (windowTime != null) {
      Durations.parse(windowTime); // fails here, naming the option's value
      effective.put(OnlineSettings.PREFIX + "WINDOW_TIME", windowTime);
    }
    putIfGiven(effective, "LOSS", loss);
    if (!environment.containsKey(OnlineSettings.PREFIX + "SEED")) {
      effective.put(OnlineSettings.PREFIX + "SEED", Long.toString(seed));
    }
    return effective;
  }

  private static void putIfGiven(Map<String, String> environment, String name, String value) {
    if (value != null) {
      environment.put(OnlineSettings.PREFIX + name, value);
    }
  }

  /** The users' settings against serving at {@code baseUrl}. */
  UsersSettings users(String baseUrl, String apiKey, Duration duration) {
    return UsersSettings.builder()
        .baseUrl(baseUrl)
        .apiKey(apiKey)
        .preference(PreferenceSpec.parse(preference))
        .users(users)
        .requestsPerSecond(rate)
        .concurrency(concurrency)
        .mix(FeedbackMix.parse(mix))
        .noise(Noise.parse(noise))
        .duration(duration.isZero() ? null : duration)
        .events(events)
        .seed(seed)
        .build();
  }
}
