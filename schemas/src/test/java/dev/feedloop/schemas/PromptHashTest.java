package dev.feedloop.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PromptHashTest {

  private static List<ChatMessage> prompt(String system, String user) {
    return List.of(new ChatMessage("system", system), new ChatMessage("user", user));
  }

  @Test
  void whitespaceAndRoleCaseDoNotChangeTheHash() {
    String reference = PromptHash.of(prompt("Be brief.", "Who are you?"));

    assertThat(
            PromptHash.of(
                List.of(
                    new ChatMessage(" System ", "  Be   brief. "),
                    new ChatMessage("USER", "Who are\n\tyou?"))))
        .isEqualTo(reference);
  }

  @Test
  void unicodeCompositionDoesNotChangeTheHash() {
    String composed = "Caf\u00e9?";
    String decomposed = "Cafe\u0301?";

    assertThat(PromptHash.of(prompt("s", composed)))
        .isEqualTo(PromptHash.of(prompt("s", decomposed)));
  }

  @Test
  void contentCaseRolesOrderAndSystemMessageAreMeaningful() {
    String reference = PromptHash.of(prompt("Be brief.", "Who are you?"));

    assertThat(PromptHash.of(prompt("Be brief.", "who are you?"))).isNotEqualTo(reference);
    assertThat(PromptHash.of(prompt("Be polite.", "Who are you?"))).isNotEqualTo(reference);
    assertThat(PromptHash.of(List.of(new ChatMessage("user", "Who are you?"))))
        .isNotEqualTo(reference);
    assertThat(
            PromptHash.of(
                List.of(
                    new ChatMessage("user", "Be brief."),
                    new ChatMessage("system", "Who are you?"))))
        .isNotEqualTo(reference);
  }

  @Test
  void messageBoundariesAreNotConfusable() {
    assertThat(PromptHash.of(List.of(new ChatMessage("user", "a"), new ChatMessage("user", "b"))))
        .isNotEqualTo(PromptHash.of(List.of(new ChatMessage("user", "a b"))));
  }

  @Test
  void isAStable128BitHexKey() {
    String hash = PromptHash.of(prompt("You are a helpful assistant.", "Who are you?"));

    assertThat(hash).matches("[0-9a-f]{32}");
    // pinned (and recomputed outside Java: SHA-256 over 4-byte big-endian length + UTF-8 of
    // role, content, role, content): serving, streams and trainer persist these keys
    assertThat(hash).isEqualTo("447c38d198f5d3e8eed03fca84a67167");
  }
}
