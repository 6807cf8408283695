package dev.feedloop.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.trainer.loss.LossType;
import dev.feedloop.trainer.optim.ScheduleType;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingConfigTest {
  private static TrainingConfig.Builder required() {
    return TrainingConfig.builder()
        .dataFiles(List.of(Path.of("pairs.jsonl")))
        .modelDirectory(Path.of("model"))
        .outputDirectory(Path.of("out"));
  }

  @Test
  void unsetSettingsKeepTheDocumentedDefaults() {
    TrainingConfig config = required().epochs(3).build();
    assertThat(config.epochs()).isEqualTo(3);
    assertThat(config.loss().terms()).extracting(t -> t.type()).containsExactly(LossType.SIGMOID);
    assertThat(config.learningRate()).isEqualTo(5e-4);
    assertThat(config.warmupRatio()).isEqualTo(0.1);
    assertThat(config.schedule()).isEqualTo(ScheduleType.COSINE);
    assertThat(config.batchSize()).isEqualTo(8);
    assertThat(config.seed()).isEqualTo(42);
    assertThat(config.truncation().maxLength()).isEqualTo(1024);
    assertThat(config.truncation().maxPromptLength()).isEqualTo(512);
    assertThat(config.lora().r()).isEqualTo(8);
    assertThat(config.lora().alpha()).isEqualTo(16);
    assertThat(config.lora().targetModules())
        .containsExactly("q_proj", "k_proj", "v_proj", "o_proj");
    assertThat(config.reference()).isEqualTo(ReferenceKind.BASE);
    assertThat(config.device()).isEqualTo("cpu");
  }

  @Test
  void buildChecksTheSettingsTogether() {
    assertThatThrownBy(() -> TrainingConfig.builder().modelDirectory(Path.of("m")).build())
        .hasMessageContaining("output directory");
    assertThatThrownBy(() -> required().dataFiles(List.of()).build())
        .hasMessageContaining("no data files");
    assertThatThrownBy(() -> required().reference(ReferenceKind.PREVIOUS).build())
        .hasMessageContaining("reference=previous needs the previous adapter");
    assertThatThrownBy(() -> required().learningRate(0).build()).hasMessageContaining("learning");
    assertThatThrownBy(
            () -> EvaluationConfig.builder().dataFiles(List.of(Path.of("d"))).batchSize(8).build())
        .hasMessageContaining("model directory");
  }
}
