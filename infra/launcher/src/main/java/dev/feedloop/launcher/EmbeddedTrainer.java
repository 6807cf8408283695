package dev.feedloop.launcher;

import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.trainer.online.OnlineSettings;
import dev.feedloop.trainer.online.OnlineTrainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Starts the online trainer in the launcher's process, configured like a standalone trainer
 * (FEEDLOOP_TRAINER_* variables) but against the launcher's cluster and topics. It trains the model
 * serving serves: FEEDLOOP_MODEL_DIR unless FEEDLOOP_TRAINER_MODEL_DIR names another.
 */
final class EmbeddedTrainer {
  /** Loading the model and resuming from the checkpoint. */
  private static final Duration STARTUP = Duration.ofMinutes(2);

  private EmbeddedTrainer() {}

  /**
   * Starts the trainer on its own thread and waits until it reads windows; prints a line per
   * committed window.
   *
   * @throws IllegalStateException when it stopped before running (no model, no cluster)
   */
  static OnlineTrainer start(
      KafkaClientSettings kafka,
      TopicNames topics,
      Map<String, String> environment,
      PrintWriter out)
      throws InterruptedException {
    return start(
        kafka,
        topics,
        environment,
        out,
        line -> {
          out.println(line);
          out.flush();
        });
  }

  /** As above, each window's line going to {@code windowLines} (e.g. above a status line). */
  static OnlineTrainer start(
      KafkaClientSettings kafka,
      TopicNames topics,
      Map<String, String> environment,
      PrintWriter out,
      Consumer<String> windowLines)
      throws InterruptedException {
    OnlineSettings.Builder builder = OnlineSettings.fromEnvironment(environment);
    String trainerModel = environment.get(OnlineSettings.PREFIX + "MODEL_DIR");
    String servingModel = environment.get("FEEDLOOP_MODEL_DIR");
    if ((trainerModel == null || trainerModel.isBlank())
        && servingModel != null
        && !servingModel.isBlank()) {
      builder.modelDirectory(Path.of(servingModel.strip()));
    }
    OnlineSettings settings = builder.build();
    OnlineTrainer trainer =
        OnlineTrainer.builder()
            .settings(settings)
            .kafka(kafka)
            .topics(topics)
            .listener(report -> windowLines.accept("trainer: " + report.line()))
            .build();
    trainer.start();
    if (!trainer.awaitRunning(STARTUP)) {
      trainer.stop();
      throw new IllegalStateException(
          "the online trainer of "
              + settings.modelId()
              + " did not start: "
              + trainer.stopReason());
    }
    out.printf(
        "trainer: online trainer of %s running (model %s, transactional id %s): windows of %d"
            + " records or %s, %d steps each (FEEDLOOP_TRAINER_* settings)%n",
        settings.modelId(),
        settings.modelDirectory(),
        settings.transactionalId(),
        settings.window().maxRecords(),
        dev.feedloop.schemas.settings.Durations.format(settings.window().maxSpan()),
        settings.stepsPerWindow());
    out.flush();
    return trainer;
  }
}
