package dev.feedloop.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.schemas.kafka.Topic;
import dev.feedloop.schemas.kafka.TopicNames;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionListing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class FeedloopCommandTest {

  @TempDir Path dataDirectory;

  /** The shipped model, seen from this module's directory, and any free port for serving. */
  private static final Map<String, String> SERVING =
      Map.of("FEEDLOOP_MODEL_DIR", "../../models/tiny-chat", "FEEDLOOP_SERVING_PORT", "0");

  private static final Pattern SERVING_URL = Pattern.compile("(?i)serving: (http://\\S+/v1)");

  @Test
  void runsAgainstTheExternalClusterNamedInTheEnvironment() throws Exception {
    String prefix = uniquePrefix("launcher");
    Map<String, String> environment = new HashMap<>(SERVING);
    environment.put("KAFKA_BOOTSTRAP_SERVERS", SharedKafkaBroker.bootstrapServers());
    environment.put("FEEDLOOP_TOPIC_PREFIX", prefix);
    StringWriter out = new StringWriter();
    CommandLine command =
        new CommandLine(new FeedloopCommand(environment)).setOut(new PrintWriter(out));

    // serving answers a chat completion at the printed URL while the launcher runs
    ExecutorService runner = Executors.newSingleThreadExecutor();
    Future<Integer> run =
        runner.submit(
            () ->
                command.execute(
                    "--data-dir", dataDirectory.toString(), "--duration", "20s", "--no-users"));
    String baseUrl = awaitServingUrl(out, run);
    HttpResponse<String> answer = chat(baseUrl);
    int exit = run.get(90, TimeUnit.SECONDS);
    runner.shutdown();

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(answer.body()).contains("\"object\":\"chat.completion\"", "\"generation_id\"");
    assertThat(exit).isZero();
    assertThat(out.toString())
        .contains("external cluster")
        .contains("trainer: online trainer of tiny-chat running")
        .contains(prefix + "preference-pairs")
        .contains(
            "feedback-streams: application id "
                + prefix
                + "feedloop-feedback-streams, exactly_once_v2");
    // no embedded broker was started; only the streams state lives under the data directory
    assertThat(dataDirectory.resolve("kafka")).doesNotExist();
    try (Admin admin =
        Admin.create(Map.of("bootstrap.servers", SharedKafkaBroker.bootstrapServers()))) {
      assertThat(admin.listTopics().names().get())
          .contains(prefix + "adapters", prefix + "dead-letter");
      // the default run started the online trainer: its transactional id is registered
      assertThat(transactionalIds(admin)).contains(prefix + "feedloop-trainer-tiny-chat");
    }
  }

  @Test
  void trainRunsTheOnlineTrainerAgainstTheGivenCluster() throws Exception {
    String prefix = uniquePrefix("launcher-train");
    StringWriter out = new StringWriter();
    int exit = runAgainstSharedBroker(prefix, out, "train", "2s");

    assertThat(exit).isZero();
    assertThat(out.toString())
        .contains("trainer: online trainer of tiny-chat running", "windows of 64 records or 1m")
        .contains("trainer: stopped");
    try (Admin admin =
        Admin.create(Map.of("bootstrap.servers", SharedKafkaBroker.bootstrapServers()))) {
      assertThat(transactionalIds(admin)).contains(prefix + "feedloop-trainer-tiny-chat");
      // it created the loop's topics it reads and writes
      assertThat(admin.listTopics().names().get())
          .contains(prefix + "preference-pairs", prefix + "trainer-state");
    }
  }

  @Test
  void usersExplainsItsSettings() {
    assertThat(help("users")).contains("--base-url", "--preference", "athene");
  }

  @Test
  void trainExplainsItsSettings() {
    assertThat(help("train"))
        .contains(
            "--bootstrap-servers", "KAFKA_BOOTSTRAP_SERVERS", "FEEDLOOP_TRAINER_", "--device");
  }

  private static List<String> transactionalIds(Admin admin) throws Exception {
    return admin.listTransactions().all().get().stream()
        .map(TransactionListing::transactionalId)
        .toList();
  }

  @Test
  void serveRunsOneReplicaAgainstTheGivenCluster() {
    String prefix = uniquePrefix("launcher-serve");
    StringWriter out = new StringWriter();
    int exit = runAgainstSharedBroker(prefix, out, "serve", "100ms");

    assertThat(exit).isZero();
    assertThat(out.toString()).containsPattern("Serving: http://127\\.0\\.0\\.1:\\d+/v1");
  }

  @Test
  void serveExplainsItsSettings() {
    assertThat(help("serve"))
        .contains("--bootstrap-servers", "KAFKA_BOOTSTRAP_SERVERS", "FEEDLOOP_SERVING_API_KEYS");
  }

  private static String awaitServingUrl(StringWriter out, Future<Integer> run) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline && !run.isDone()) {
      Matcher url = SERVING_URL.matcher(out.toString());
      if (url.find()) {
        return url.group(1);
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no serving URL printed:\n" + out);
  }

  private static HttpResponse<String> chat(String baseUrl) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(baseUrl + "/chat/completions"))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\"tiny-chat\",\"max_tokens\":8,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
            .build();
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .build()
        .send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void benchStreamsIsASubcommand() {
    assertThat(help("bench-streams")).contains("--feedback", "exactly_once_v2");
  }

  @Test
  void theTopicTableIsAsWideAsItsLongestName() {
    StringWriter out = new StringWriter();
    TopicNames topics = TopicNames.withPrefix("a-rather-long-prefix.");

    FeedloopCommand.printTopics(new PrintWriter(out), topics);

    List<String> lines = out.toString().lines().toList();
    assertThat(lines).hasSize(Topic.values().length);
    // every column starts at the same place on every line, whatever the longest name
    assertThat(lines.stream().map(line -> line.indexOf(" key: ")).distinct()).hasSize(1);
    for (Topic topic : Topic.values()) {
      String name = topics.name(topic);
      String type = topic.valueType().getSimpleName();
      assertThat(lines)
          .anySatisfy(
              line ->
                  assertThat(line).startsWith("  topic " + name + " ").contains(" " + type + " "));
    }
    int longest =
        java.util.Arrays.stream(Topic.values())
            .mapToInt(t -> topics.name(t).length())
            .max()
            .orElseThrow();
    int typeColumn = "  topic ".length() + longest + 2;
    assertThat(lines)
        .allSatisfy(
            line -> {
              assertThat(line.charAt(typeColumn - 1)).isEqualTo(' ');
              assertThat(line.charAt(typeColumn)).isNotEqualTo(' ');
            });
  }

  @Test
  void badDurationIsAUsageErrorNamingTheValue() {
    StringWriter err = new StringWriter();
    CommandLine command =
        new CommandLine(new FeedloopCommand(Map.of())).setErr(new PrintWriter(err));

    int exit = command.execute("--duration", "soon");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("'soon' is not a duration");
  }

  @Test
  void durationsParseInOperatorUnits() {
    var converter = new FeedloopCommand.DurationConverter();
    assertThat(converter.convert("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(converter.convert("10m")).isEqualTo(Duration.ofMinutes(10));
    assertThat(converter.convert("PT1H")).isEqualTo(Duration.ofHours(1));
    // the same grammar as every FEEDLOOP_STREAMS_* duration
    assertThat(converter.convert("1d")).isEqualTo(Duration.ofDays(1));
    assertThat(converter.convert("0")).isZero();
  }

  /** The subcommand's --help text; fails unless it exits 0. */
  private static String help(String subcommand) {
    StringWriter out = new StringWriter();
    int exit =
        new CommandLine(new FeedloopCommand(Map.of()))
            .setOut(new PrintWriter(out))
            .execute(subcommand, "--help");
    assertThat(exit).as("%s --help", subcommand).isZero();
    return out.toString();
  }

  private static String uniquePrefix(String label) {
    return SharedKafkaBroker.uniqueTopicNames(label).generations().replace("generations", "");
  }

  /** Runs a standalone subcommand on the shared broker with its own topic prefix. */
  private static int runAgainstSharedBroker(
      String prefix, StringWriter out, String subcommand, String duration) {
    Map<String, String> environment = new HashMap<>(SERVING);
    environment.put("FEEDLOOP_TOPIC_PREFIX", prefix);
    return new CommandLine(new FeedloopCommand(environment))
        .setOut(new PrintWriter(out))
        .execute(
            subcommand,
            "--bootstrap-servers",
            SharedKafkaBroker.bootstrapServers(),
            "--duration",
            duration);
  }
}
