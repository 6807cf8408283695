package dev.feedloop.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.DataType;
import dev.feedloop.model.lora.AdapterSlot;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.model.lora.LoraConfig;
import org.junit.jupiter.api.Test;

class AdapterSlotTest {

  @Test
  void aRequestKeepsItsAdapterAcrossASwapAndTheOldOneClosesAfterwards() {
    try (CausalLM model = TinyModels.random(TinyModels.llama(), 1)) {
      LoraAdapter v1 =
          LoraAdapter.create(
              model.config(),
              LoraConfig.of(2, 4, 0, LoraTest.ALL),
              model.manager(),
              DataType.FLOAT32,
              1);
      LoraTest.perturb(v1, 1);
      LoraAdapter v2 =
          LoraAdapter.create(
              model.config(),
              LoraConfig.of(2, 4, 0, LoraTest.ALL),
              model.manager(),
              DataType.FLOAT32,
              2);
      double before = model.score(LoraTest.batch(), v1).get(0).sum();
      try (AdapterSlot slot = new AdapterSlot(v1, "v1")) {
        try (AdapterSlot.Lease inFlight = slot.acquire()) {
          slot.swap(v2, "v2");
          assertThat(slot.version()).isEqualTo("v2");
          assertThat(inFlight.version()).isEqualTo("v1");
          // still open and computing the same thing while the request holds it
          assertThat(model.score(LoraTest.batch(), inFlight.adapter()).get(0).sum())
              .isEqualTo(before);
        }
        // the last lease ended: v1's tensors are freed
        assertThatThrownBy(() -> v1.parameters().get(0).array().toFloatArray())
            .isInstanceOf(RuntimeException.class);
        try (AdapterSlot.Lease next = slot.acquire()) {
          assertThat(next.adapter()).isSameAs(v2);
        }
      }
    }
  }

  @Test
  void aClosedSlotRefusesLeasesAndSwapsInsteadOfSpinning() {
    AdapterSlot slot = new AdapterSlot(null, "base");
    slot.close();
    slot.close(); // closing twice is harmless

    assertThatThrownBy(slot::acquire)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> slot.swap(null, "v2")).isInstanceOf(IllegalStateException.class);
  }
}
