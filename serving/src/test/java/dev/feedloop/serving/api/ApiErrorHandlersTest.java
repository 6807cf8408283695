package dev.feedloop.serving.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ApiErrorHandlersTest {

  @Test
  void namesFieldsByTheirJsonPath() {
    assertThat(ApiErrorHandlers.jsonPath("complete.request.maxTokens")).isEqualTo("max_tokens");
    assertThat(ApiErrorHandlers.jsonPath("complete.request.messages[2].role"))
        .isEqualTo("messages[2].role");
    assertThat(ApiErrorHandlers.jsonPath("submit.request.otherGenerationId"))
        .isEqualTo("other_generation_id");
  }
}
