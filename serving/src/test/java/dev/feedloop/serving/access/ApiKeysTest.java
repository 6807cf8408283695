package dev.feedloop.serving.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeysTest {

  @TempDir Path directory;

  @Test
  void namedAndBareKeysFromSettingsAndFiles() throws IOException {
    Path file = directory.resolve("operators");
    Files.writeString(
        file, "# operators\nalice:op-key-alice-0123456789\n\nop-key-bare-0123456789\n");
    ApiKeys keys =
        new ApiKeys(
            new AccessSettings(
                " web:client-key-web-0123456789 , client-key-bare-0123456789",
                "",
                null,
                file.toString(),
                false));

    assertThat(keys.enabled()).isTrue();
    assertThat(keys.find("client-key-web-0123456789").map(ApiKeys.Caller::label))
        .hasValue("client:web");
    assertThat(keys.find("client-key-bare-0123456789").map(ApiKeys.Caller::label))
        .hasValue("client:key1");
    assertThat(keys.find("op-key-alice-0123456789").map(ApiKeys.Caller::label))
        .hasValue("operator:alice");
    assertThat(keys.find("op-key-bare-0123456789").map(ApiKeys.Caller::label))
        .hasValue("operator:key1");
    assertThat(keys.find("client-key-web-012345678")).isEmpty();
    assertThat(keys.find("")).isEmpty();
    assertThat(keys.count(ApiKeys.Role.OPERATOR)).isEqualTo(2);
  }

  @Test
  void noKeysMeansOpenOnLoopback() {
    ApiKeys keys = new ApiKeys(new AccessSettings(null, "", " ", null, false));
    assertThat(keys.enabled()).isFalse();
    assertThat(keys.find("anything")).isEmpty();
  }

  @Test
  void aKeyConfiguredTwiceOrANameUsedTwiceIsRefused() {
    assertThatThrownBy(() -> ApiKeys.of("a:same-key-0123456789abc", "b:same-key-0123456789abc"))
        .hasMessageContaining("operator:b is configured twice");
    assertThatThrownBy(() -> ApiKeys.of("a:key-one-0123456789abc,a:key-two-0123456789abc", ""))
        .hasMessageContaining("Two keys are named client:a");
    assertThatThrownBy(() -> ApiKeys.of("web:", "")).hasMessageContaining("malformed");
  }

  @Test
  void anUnreadableKeysFileStopsTheStart() {
    Path missing = directory.resolve("missing");
    assertThatThrownBy(
            () -> new ApiKeys(new AccessSettings(null, missing.toString(), null, null, false)))
        .hasMessageContaining("client keys file " + missing);
  }
}
