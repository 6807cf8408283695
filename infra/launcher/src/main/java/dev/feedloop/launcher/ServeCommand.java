package dev.feedloop.launcher;

import io.micronaut.runtime.server.EmbeddedServer;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code feedloop serve}: one serving replica against an existing cluster. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Runs one serving replica (the OpenAI-compatible HTTP API) against a cluster.",
      "Replicas share nothing but Kafka: run several behind a load balancer.",
      "Configured by serving's application.yml, which environment variables",
      "override (serving/README.md lists them):",
      "  FEEDLOOP_SERVING_HOST, FEEDLOOP_SERVING_PORT, FEEDLOOP_MODEL_DIR,",
      "  FEEDLOOP_SERVING_API_KEYS, FEEDLOOP_SERVING_OPERATOR_KEYS,",
      "  FEEDLOOP_SERVING_MAX_*, FEEDLOOP_TOPIC_PREFIX.",
      "Without API keys it listens on loopback only.",
      ""
    })
final class ServeCommand implements Callable<Integer> {

  @Mixin StandaloneOptions options;

  @ParentCommand FeedloopCommand parent;

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    Map<String, String> environment = parent.environment();
    CountDownLatch closed = new CountDownLatch(1);
    try (EmbeddedServer server =
        EmbeddedServing.start(options.bootstrapServers(environment), environment)) {
      out.printf(
          "Serving: %s (OpenAI-compatible base URL)%n", EmbeddedServing.openAiBaseUrl(server));
      out.flush();
      FeedloopCommand.awaitStop(options.duration, closed);
    } finally {
      closed.countDown();
    }
    return 0;
  }
}
