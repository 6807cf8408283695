package dev.feedloop.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.schemas.rules.RecordIds;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentHashTest {

  @Test
  void knownDigestAndFileDigestAgree(@TempDir Path dir) throws Exception {
    byte[] abc = "abc".getBytes(StandardCharsets.UTF_8);
    // FIPS 180-2 test vector
    assertThat(ContentHash.of(abc))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    Path file = Files.write(dir.resolve("f"), abc);
    assertThat(ContentHash.ofFile(file)).isEqualTo(ContentHash.of(abc));
  }

  @Test
  void fieldsAreLengthPrefixed() {
    assertThat(ContentHash.builder().text("ab").text("c").hex())
        .isNotEqualTo(ContentHash.builder().text("a").text("bc").hex());
    assertThat(ContentHash.builder().text("ab").text("c").hex())
        .isEqualTo(ContentHash.builder().text("ab").text("c").hex());
  }

  @Test
  void importedRecordIdsDependOnEveryPart() {
    List<ChatMessage> prompt = List.of(ChatMessages.user("q"));
    String id = RecordIds.importedPair(prompt, "a", "b");
    assertThat(id).startsWith("import:").isEqualTo(RecordIds.importedPair(prompt, "a", "b"));
    assertThat(RecordIds.importedPair(prompt, "b", "a")).isNotEqualTo(id);
    assertThat(RecordIds.importedPair(List.of(ChatMessages.system("q")), "a", "b"))
        .isNotEqualTo(id);
    assertThat(RecordIds.importedUnary(prompt, "a", true))
        .isNotEqualTo(RecordIds.importedUnary(prompt, "a", false));
  }

  @Test
  void importedEventIdsAreStableAndKeepSystemsKindsAndIdsApart() {
    String generation = RecordIds.importedGeneration("open-webui", "chat-1", "msg-2");
    assertThat(generation)
        .startsWith("open-webui-generation:")
        .hasSize("open-webui-generation:".length() + 32)
        .isEqualTo(RecordIds.importedGeneration("open-webui", "chat-1", "msg-2"));
    assertThat(RecordIds.importedGeneration("langfuse", "chat-1", "msg-2"))
        .isNotEqualTo(generation);
    assertThat(RecordIds.importedGeneration("open-webui", "chat-1m", "sg-2"))
        .isNotEqualTo(generation);
    String feedback = RecordIds.importedFeedback("open-webui", "chat-1", "msg-2");
    assertThat(feedback.substring(feedback.indexOf(':')))
        .isNotEqualTo(generation.substring(generation.indexOf(':')));
    assertThat(RecordIds.importedRequest("open-webui", "chat-1", "msg-2"))
        .startsWith("open-webui-request:");
  }
}
