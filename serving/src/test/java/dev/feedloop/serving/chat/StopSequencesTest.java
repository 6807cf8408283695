package dev.feedloop.serving.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.serving.api.ApiException;
import java.util.List;
import org.junit.jupiter.api.Test;

class StopSequencesTest {

  @Test
  void acceptsOpenAisStringOrArray() {
    assertThat(ChatService.stopSequences(null)).isEmpty();
    assertThat(ChatService.stopSequences("\n")).containsExactly("\n");
    assertThat(ChatService.stopSequences(List.of("a", "b"))).containsExactly("a", "b");
  }

  @Test
  void refusesOtherShapesNamingStop() {
    assertThatThrownBy(() -> ChatService.stopSequences(List.of("a", 3)))
        .isInstanceOf(ApiException.class)
        .extracting(e -> ((ApiException) e).body().error().param())
        .isEqualTo("stop");
    assertThatThrownBy(() -> ChatService.stopSequences(42)).isInstanceOf(ApiException.class);
    assertThatThrownBy(() -> ChatService.stopSequences(List.of("1", "2", "3", "4", "5")))
        .isInstanceOf(ApiException.class);
  }
}
