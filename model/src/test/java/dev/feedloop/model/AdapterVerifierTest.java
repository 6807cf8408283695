package dev.feedloop.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.feedloop.model.lora.AdapterVerifier;
import dev.feedloop.model.lora.AdapterVerifier.Reason;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.model.lora.LoraConfig;
import dev.feedloop.model.lora.LoraParameter;
import dev.feedloop.schemas.AdapterPublished;
import dev.feedloop.schemas.ContentHash;
import dev.feedloop.schemas.LoraSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdapterVerifierTest {

  private static final String BASE = "base-fingerprint";
  private static final LoraConfig LORA = LoraConfig.of(4, 8, 0, List.of("q_proj", "v_proj"));

  @TempDir Path tmp;

  private final NDManager manager = NDManager.newBaseManager();
  private final ModelConfig model = TinyModels.llama();
  private final AdapterVerifier verifier =
      new AdapterVerifier(model, BASE, AdapterVerifier.DEFAULT_MAX_ABS_WEIGHT);

  @AfterEach
  void close() {
    manager.close();
  }

  @Test
  void inMemoryBytesAreTheSavedFileAndLoadBackToTheSameAdapter() throws Exception {
    try (LoraAdapter adapter = adapter(model, LORA, p -> {})) {
      byte[] bytes = adapter.toSafetensors();
      adapter.save(tmp);
      assertThat(bytes).isEqualTo(Files.readAllBytes(tmp.resolve(LoraAdapter.ADAPTER_WEIGHTS)));

      try (LoraAdapter read =
          LoraAdapter.fromSafetensors(bytes, "v1", LORA, model, manager, DataType.FLOAT32)) {
        assertThat(read.parameters()).hasSameSizeAs(adapter.parameters());
        for (int i = 0; i < read.parameters().size(); i++) {
          assertThat(read.parameters().get(i).name()).isEqualTo(adapter.parameters().get(i).name());
          assertThat(read.parameters().get(i).array().toFloatArray())
              .containsExactly(adapter.parameters().get(i).array().toFloatArray());
        }
      }
    }
  }

  @Test
  void aSoundAdapterIsLoaded() {
    byte[] bytes = bytes(model, LORA, p -> {});
    try (LoraAdapter verified =
        verifier.verify(announcement(bytes, LORA), bytes, manager, DataType.FLOAT32)) {
      assertThat(verified.modules()).hasSize(model.numLayers() * 2);
      assertThat(verified.scale()).isEqualTo(2.0);
    }
  }

  @Test
  void aChecksumMismatchIsRefused() {
    byte[] bytes = bytes(model, LORA, p -> {});
    AdapterPublished announcement = announcement(bytes, LORA);
    bytes[bytes.length - 1] ^= 1;
    assertRefused(announcement, bytes, Reason.CHECKSUM, "SHA-256");
  }

  @Test
  void anotherBaseModelIsRefused() {
    byte[] bytes = bytes(model, LORA, p -> {});
    AdapterPublished other = announcement(bytes, LORA);
    other.setBaseModel("another-model");
    assertRefused(other, bytes, Reason.BASE_MODEL, "another-model");
    AdapterPublished none = announcement(bytes, LORA);
    none.setBaseModel(null);
    assertRefused(none, bytes, Reason.BASE_MODEL, "names no base model");
  }

  @Test
  void factorsOfAnotherModelsShapesAreRefused() {
    ModelConfig wider = model.toBuilder().hiddenSize(model.hiddenSize() * 2).build();
    byte[] bytes = bytes(wider, LORA, p -> {});
    assertRefused(announcement(bytes, LORA), bytes, Reason.SHAPES, "q_proj");
  }

  @Test
  void settingsThatDifferFromTheWeightsAreRefused() {
    byte[] bytes = bytes(model, LORA, p -> {});
    LoraConfig rank8 = LoraConfig.of(8, 8, 0, List.of("q_proj", "v_proj"));
    assertRefused(announcement(bytes, rank8), bytes, Reason.LORA_SETTINGS, "rank 4");
    LoraConfig moreTargets = LoraConfig.of(4, 8, 0, List.of("q_proj", "k_proj", "v_proj"));
    assertRefused(announcement(bytes, moreTargets), bytes, Reason.LORA_SETTINGS, "k_proj");
  }

  @Test
  void nonFiniteValuesAreRefused() {
    byte[] bytes = bytes(model, LORA, p -> p.array().set(nanFirst(p)));
    assertRefused(announcement(bytes, LORA), bytes, Reason.NOT_FINITE, "NaN");
  }

  @Test
  void absurdlyLargeValuesAreRefused() {
    byte[] bytes = bytes(model, LORA, p -> p.array().muli(1e6));
    assertRefused(announcement(bytes, LORA), bytes, Reason.TOO_LARGE, "beyond the bound");
  }

  @Test
  void bytesThatAreNoSafetensorsAreRefused() {
    byte[] bytes = "not safetensors at all".getBytes();
    assertRefused(announcement(bytes, LORA), bytes, Reason.UNREADABLE, "not a safetensors");
  }

  @Test
  void baseModelFingerprintCoversConfigAndTokenization() throws Exception {
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    try (CausalLM random = TinyModels.random(model, 1)) {
      TinyModels.writeDirectory(a, random, "F32", 1);
      TinyModels.writeDirectory(b, random, "F32", 1);
    }
    String first;
    try (LanguageModel lm = LanguageModel.load(a)) {
      first = lm.baseModelFingerprint();
      assertThat(first).hasSize(64).isNotEqualTo(lm.tokenizationFingerprint());
    }
    try (LanguageModel same = LanguageModel.load(b)) {
      assertThat(same.baseModelFingerprint()).isEqualTo(first);
    }
    String config = Files.readString(b.resolve("config.json"));
    Files.writeString(b.resolve("config.json"), config.replace("{", "{\"note\": 1, "));
    try (LanguageModel changed = LanguageModel.load(b)) {
      assertThat(changed.baseModelFingerprint()).isNotEqualTo(first);
    }
  }

  private void assertRefused(
      AdapterPublished announcement, byte[] bytes, Reason reason, String detail) {
    assertThatThrownBy(() -> verifier.verify(announcement, bytes, manager, DataType.FLOAT32))
        .isInstanceOfSatisfying(
            AdapterVerifier.RefusedException.class, e -> assertThat(e.reason()).isEqualTo(reason))
        .hasMessageContaining(detail);
  }

  private static float[] nanFirst(LoraParameter p) {
    float[] values = p.array().toFloatArray();
    values[0] = Float.NaN;
    return values;
  }

  private LoraAdapter adapter(ModelConfig config, LoraConfig lora, Consumer<LoraParameter> edit) {
    LoraAdapter adapter = LoraAdapter.create(config, lora, manager, DataType.FLOAT32, 7);
    LoraTest.perturb(adapter, 3);
    edit.accept(adapter.parameters().get(0));
    return adapter;
  }

  private byte[] bytes(ModelConfig config, LoraConfig lora, Consumer<LoraParameter> edit) {
    try (LoraAdapter adapter = adapter(config, lora, edit)) {
      return adapter.toSafetensors();
    }
  }

  private static AdapterPublished announcement(byte[] bytes, LoraConfig lora) {
    LoraSettings settings = lora.toSettings();
    return AdapterPublished.newBuilder()
        .setModelId("tiny")
        .setVersion(1)
        .setRunId("run")
        .setLora(settings)
        .setConsumed(List.of())
        .setChecksum(ContentHash.of(bytes))
        .setLocation("")
        .setCreatedAt(Instant.EPOCH)
        .setBaseModel(BASE)
        .build();
  }
}
