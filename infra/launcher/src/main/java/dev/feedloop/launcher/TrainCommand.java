package dev.feedloop.launcher;

import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.trainer.online.OnlineSettings;
import dev.feedloop.trainer.online.OnlineTrainer;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code feedloop train}: the online trainer against an existing cluster. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the online trainer of one model against an existing Kafka cluster.",
      "Windows of preference-pairs and unary-feedback, guardrails on a held-out",
      "reservoir, each window's adapter, metrics, checkpoint and offsets in one",
      "transaction. One trainer per model: run it on the machine with the GPU.",
      "Configured by environment variables (trainer/README.md, \"Online trainer\"):",
      "  FEEDLOOP_TRAINER_* (window, steps, loss, guardrails, ...), FEEDLOOP_MODEL_DIR",
      "  (or FEEDLOOP_TRAINER_MODEL_DIR), FEEDLOOP_MODEL_ID, FEEDLOOP_TOPIC_PREFIX.",
      "Ctrl-C stops it after the window in training is committed; exit code 3:",
      "another trainer of the model took over.",
      ""
    })
final class TrainCommand implements Callable<Integer> {
  @Mixin StandaloneOptions options;

  @Option(
      names = "--device",
      description =
          "Where it trains: cpu, gpu or gpu(N); overrides FEEDLOOP_TRAINER_DEVICE (default cpu).")
  String device;

  @ParentCommand FeedloopCommand parent;

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    Map<String, String> environment = parent.environment();
    if (device != null && !device.isBlank()) {
      environment = new HashMap<>(environment);
      environment.put(OnlineSettings.PREFIX + "DEVICE", device.strip());
    }
    String servers = options.bootstrapServers(environment);
    OnlineTrainer trainer;
    try {
      trainer =
          EmbeddedTrainer.start(
              KafkaClientSettings.fromEnvironment(servers, environment),
              TopicNames.fromEnvironment(environment),
              environment,
              out);
    } catch (IllegalStateException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return 1;
    }
    int exitCode = trainer.runInForeground(options.duration, spec.commandLine().getErr());
    if (exitCode == 0) {
      out.println("trainer: stopped");
      out.flush();
    }
    return exitCode;
  }
}
