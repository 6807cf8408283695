package dev.feedloop.serving.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.serving.ServingSettings;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class GenerationIndexTest {

  @Test
  void forgetsTheOldestGenerationsBeyondItsBound() {
    GenerationIndex index =
        new GenerationIndex(
            ServingSettings.builder()
                .modelDirectory(Path.of("models/tiny-chat"))
                .modelId("tiny-chat")
                .kafka(KafkaClientSettings.of("localhost:9092"))
                .recentGenerations(3)
                .build());

    for (int i = 0; i < 5; i++) {
      index.remember(new GenerationIndex.RecentGeneration("g" + i, "hash", null));
    }

    assertThat(index.size()).isEqualTo(3);
    assertThat(index.find("g0")).isEmpty();
    assertThat(index.find("g1")).isEmpty();
    assertThat(index.find("g4"))
        .get()
        .extracting(GenerationIndex.RecentGeneration::promptHash)
        .isEqualTo("hash");
  }
}
