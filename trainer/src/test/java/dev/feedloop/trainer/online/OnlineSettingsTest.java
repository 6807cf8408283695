package dev.feedloop.trainer.online;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.trainer.loss.LossType;
import dev.feedloop.trainer.run.ReferenceKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OnlineSettingsTest {

  @Test
  void defaultsAreDocumentedValues() {
    OnlineSettings settings = OnlineSettings.builder().build();
    assertThat(settings.modelId()).isEqualTo("tiny-chat");
    assertThat(settings.transactionalId()).isEqualTo("feedloop-trainer-tiny-chat");
    assertThat(settings.groupId()).isEqualTo("feedloop-trainer-tiny-chat");
    assertThat(settings.window()).isEqualTo(new WindowPolicy(64, Duration.ofSeconds(60)));
    assertThat(settings.stepsPerWindow()).isEqualTo(8);
    assertThat(settings.holdOutEvery()).isEqualTo(10);
    assertThat(settings.reference()).isEqualTo(ReferenceKind.BASE);
    assertThat(settings.loss().terms().get(0).type()).isEqualTo(LossType.SIGMOID);
  }

  @Test
  void environmentOverridesByName() {
    OnlineSettings settings =
        OnlineSettings.fromEnvironment(
                Map.of(
                    "FEEDLOOP_TOPIC_PREFIX", "staging.",
                    "FEEDLOOP_MODEL_ID", "assistant",
                    "FEEDLOOP_TRAINER_MODEL_DIR", "/models/qwen",
                    "FEEDLOOP_TRAINER_WINDOW_RECORDS", "128",
                    "FEEDLOOP_TRAINER_WINDOW_TIME", "90s",
                    "FEEDLOOP_TRAINER_LOSS", "kto",
                    "FEEDLOOP_TRAINER_REFERENCE", "previous",
                    "FEEDLOOP_TRAINER_MAX_KL", "0.3",
                    "FEEDLOOP_TRAINER_REPLAY_RATIO", "0.5"))
            .build();
    assertThat(settings.modelId()).isEqualTo("assistant");
    assertThat(settings.modelDirectory()).isEqualTo(Path.of("/models/qwen"));
    assertThat(settings.transactionalId()).isEqualTo("staging.feedloop-trainer-assistant");
    assertThat(settings.window()).isEqualTo(new WindowPolicy(128, Duration.ofSeconds(90)));
    assertThat(settings.loss().unary()).isTrue();
    assertThat(settings.reference()).isEqualTo(ReferenceKind.PREVIOUS);
    assertThat(settings.maxKl()).isEqualTo(0.3);
    assertThat(settings.replayRatio()).isEqualTo(0.5);
  }

  @Test
  void aMalformedVariableIsNamed() {
    assertThatThrownBy(
            () -> OnlineSettings.fromEnvironment(Map.of("FEEDLOOP_TRAINER_STEPS", "many")).build())
        .hasMessageContaining("FEEDLOOP_TRAINER_STEPS=many");
    assertThatThrownBy(() -> OnlineSettings.builder().replayRatio(1.0).build())
        .hasMessageContaining("replay ratio");
  }
}
