package dev.feedloop.trainer.cli;

import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.schemas.settings.Durations;
import dev.feedloop.trainer.online.OnlineSettings;
import dev.feedloop.trainer.online.OnlineTrainer;
import dev.feedloop.trainer.online.TrainerHooks;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code feedloop-trainer online}: the online trainer against a Kafka cluster, until Ctrl-C /
 * SIGTERM (the window being read is dropped and read again at the next start; a window being
 * trained is committed first). Every setting comes from FEEDLOOP_TRAINER_* variables; the options
 * here override the most common ones.
 */
@Command(
    name = "online",
    mixinStandardHelpOptions = true,
    description =
        "Train adapters online from preference-pairs and unary-feedback: windows of N records or T"
            + " seconds, guardrails on a held-out reservoir, each window's adapter, metrics,"
            + " checkpoint and offsets in one Kafka transaction. Prints a line per window."
            + " Settings: FEEDLOOP_TRAINER_* environment variables (trainer/README.md).")
final class OnlineCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--bootstrap-servers",
      description =
          "Kafka bootstrap servers (default: KAFKA_BOOTSTRAP_SERVERS, else localhost:9092).")
  String bootstrapServers;

  @Option(
      names = "--model-dir",
      description =
          "Base model directory (default: FEEDLOOP_TRAINER_MODEL_DIR, else models/tiny-chat).")
  Path modelDirectory;

  @Option(names = "--model-id", description = "Model id (default: the model directory's name).")
  String modelId;

  @Option(names = "--window-records", description = "N: records per window (default 64).")
  Integer windowRecords;

  @Option(names = "--window-time", description = "T: longest window, e.g. 60s (default 60s).")
  String windowTime;

  @Option(names = "--steps", description = "S: optimizer steps per window (default 8).")
  Integer steps;

  Map<String, String> environment = System.getenv();

  @Override
  public Integer call() throws Exception {
    OnlineSettings.Builder builder = OnlineSettings.fromEnvironment(environment);
    if (modelDirectory != null) {
      builder.modelDirectory(modelDirectory);
    }
    if (modelId != null) {
      builder.modelId(modelId);
    }
    if (windowRecords != null) {
      builder.windowRecords(windowRecords);
    }
    if (windowTime != null) {
      builder.windowTime(Durations.parse(windowTime));
    }
    if (steps != null) {
      builder.stepsPerWindow(steps);
    }
    OnlineSettings settings = builder.build();
    String servers = KafkaClientSettings.bootstrapServers(bootstrapServers, environment);
    PrintWriter out = spec.commandLine().getOut();
    OnlineTrainer trainer =
        OnlineTrainer.builder()
            .settings(settings)
            .kafka(KafkaClientSettings.fromEnvironment(servers, environment))
            .topics(TopicNames.fromEnvironment(environment))
            .hooks(TrainerHooks.fromEnvironment(environment))
            .listener(
                report -> {
                  out.println(report.line());
                  out.flush();
                })
            .build();
    out.printf(
        "online trainer of %s on %s (group %s, transactional id %s)%n",
        settings.modelId(), servers, settings.groupId(), settings.transactionalId());
    out.flush();
    return trainer.runInForeground(Duration.ZERO, spec.commandLine().getErr());
  }
}
