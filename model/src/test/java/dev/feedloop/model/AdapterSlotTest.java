package dev.feedloop.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.DataType;
import dev.feedloop.model.lora.AdapterSlot;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.model.lora.LoraConfig;
import dev.feedloop.model.lora.LoraParameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
      try (AdapterSlot slot = new AdapterSlot(v1, 1L)) {
        try (AdapterSlot.Lease inFlight = slot.acquire()) {
          slot.swap(v2, 2L);
          assertThat(slot.version()).isEqualTo(2L);
          assertThat(inFlight.version()).isEqualTo(1L);
          // still open and computing the same thing while the request holds it
          assertThat(model.score(LoraTest.batch(), inFlight.adapter()).get(0).sum())
              .isEqualTo(before);
        }
        // the last lease ended: v1's tensors are freed
        assertThat(v1.isClosed()).isTrue();
        assertThatThrownBy(() -> v1.parameters().get(0).array().toFloatArray())
            .isInstanceOf(RuntimeException.class);
        try (AdapterSlot.Lease next = slot.acquire()) {
          assertThat(next.adapter()).isSameAs(v2);
        }
      }
      assertThat(v2.isClosed()).as("closing the slot releases the installed adapter").isTrue();
    }
  }

  @Test
  void closingALeaseTwiceReleasesItOnce() {
    try (CausalLM model = TinyModels.random(TinyModels.llama(), 1)) {
      LoraAdapter v1 = versioned(model, 1);
      try (AdapterSlot slot = new AdapterSlot(v1, 1L)) {
        AdapterSlot.Lease first = slot.acquire();
        AdapterSlot.Lease second = slot.acquire();
        slot.swap(null, 2L);
        first.close();
        first.close(); // must not take the second lease's hold away
        assertThat(v1.isClosed()).isFalse();
        assertThat(valueOf(second.adapter())).isEqualTo(1f);
        second.close();
        assertThat(v1.isClosed()).isTrue();
      }
    }
  }

  @Test
  void aClosedSlotRefusesLeasesAndSwapsInsteadOfSpinning() {
    AdapterSlot slot = new AdapterSlot(null, 0L);
    slot.close();
    slot.close(); // closing twice is harmless

    assertThatThrownBy(slot::acquire)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> slot.swap(null, 2L)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(slot::version).isInstanceOf(IllegalStateException.class);
  }

  /**
   * Serving's race: requests lease the live adapter from many threads while the follower swaps in
   * new versions. Every adapter's weights hold its own version number (and every tenth version is
   * the base model, no adapter), so a lease that pairs a version with another version's weights, or
   * that holds an adapter already freed, fails. The adapters are made beforehand, so swaps follow
   * each other within microseconds and leases are taken while the entry they read is being
   * released.
   */
  @Test
  void leasesStayConsistentAndOpenWhileAnotherThreadSwapsRepeatedly() throws Exception {
    int versions = 2001; // the last one an adapter (every tenth is the base model)
    int readers = 6;
    try (CausalLM model = TinyModels.random(TinyModels.llama(), 1)) {
      Map<Long, LoraAdapter> installed = new LinkedHashMap<>();
      for (long v = 1; v <= versions; v++) {
        installed.put(v, v % 10 == 0 ? null : versioned(model, v));
      }
      AdapterSlot slot = new AdapterSlot(installed.get(1L), 1L);
      AtomicBoolean swapping = new AtomicBoolean(true);
      AtomicInteger leases = new AtomicInteger();
      AtomicInteger heldAcrossASwap = new AtomicInteger();
      Set<Long> versionsSeen = ConcurrentHashMap.newKeySet();
      CountDownLatch start = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(readers + 1);
      try {
        List<Future<?>> requests = new ArrayList<>();
        for (int t = 0; t < readers; t++) {
          long seed = t;
          requests.add(
              pool.submit(
                  () -> {
                    Random random = new Random(seed);
                    start.await();
                    while (swapping.get()) {
                      try (AdapterSlot.Lease lease = slot.acquire()) {
                        long version = lease.version();
                        // cheap checks on every lease, so that leases are taken all the time
                        LoraAdapter adapter = lease.adapter();
                        if (adapter != installed.get(version)) {
                          throw new AssertionError("version " + version + " with another adapter");
                        }
                        if (adapter != null && adapter.isClosed()) {
                          throw new AssertionError("version " + version + " closed while leased");
                        }
                        if (random.nextInt(16) == 0) {
                          checkBelongsTo(adapter, version); // the tensors themselves
                        }
                        if (random.nextInt(200) == 0) {
                          Thread.sleep(1); // a slow request: several swaps happen meanwhile
                          if (slot.version() != version) {
                            heldAcrossASwap.incrementAndGet();
                          }
                          checkBelongsTo(adapter, version);
                        }
                        versionsSeen.add(version);
                        leases.incrementAndGet();
                      }
                    }
                    return null;
                  }));
        }
        Future<?> swapper =
            pool.submit(
                () -> {
                  start.await();
                  try {
                    for (long v = 2; v <= versions; v++) {
                      slot.swap(installed.get(v), v);
                      for (int spin = 0; spin < 2000; spin++) {
                        Thread.onSpinWait();
                      }
                    }
                  } finally {
                    swapping.set(false);
                  }
                  return null;
                });
        start.countDown();
        swapper.get(2, TimeUnit.MINUTES);
        for (Future<?> request : requests) {
          request.get(1, TimeUnit.MINUTES); // rethrows a reader's failed check
        }
      } finally {
        pool.shutdownNow();
      }

      assertThat(leases.get()).isGreaterThan(versions);
      assertThat(versionsSeen.size()).as("leases saw many versions").isGreaterThan(versions / 10);
      assertThat(heldAcrossASwap.get())
          .as("leases held while a newer version went live")
          .isPositive();
      // every replaced adapter is closed once its last lease ended; the live one is open
      assertThat(slot.version()).isEqualTo(versions);
      LoraAdapter live = installed.get((long) versions);
      installed.forEach(
          (version, adapter) -> {
            if (adapter != null) {
              assertThat(adapter.isClosed()).as("version %d", version).isEqualTo(adapter != live);
            }
          });
      slot.close();
      assertThat(live.isClosed()).isTrue();
    }
  }

  /** An adapter whose every weight is {@code version}, so its tensors say which version it is. */
  private static LoraAdapter versioned(CausalLM model, long version) {
    LoraAdapter adapter =
        LoraAdapter.create(
            model.config(),
            LoraConfig.of(1, 1, 0, List.of("q_proj", "v_proj")),
            model.manager(),
            DataType.FLOAT32,
            version);
    for (LoraParameter p : adapter.parameters()) {
      float[] values = new float[(int) p.array().size()];
      Arrays.fill(values, version);
      p.array().set(values);
    }
    return adapter;
  }

  private static void checkBelongsTo(LoraAdapter adapter, long version) {
    if ((adapter == null) != (version % 10 == 0)) {
      throw new AssertionError("version " + version + " leased with adapter " + adapter);
    }
    if (adapter == null) {
      return;
    }
    if (adapter.isClosed()) {
      throw new AssertionError("version " + version + " was closed while leased");
    }
    for (LoraParameter p : adapter.parameters()) {
      float[] values = p.array().toFloatArray();
      if (values[0] != version || values[values.length - 1] != version) {
        throw new AssertionError(
            "version " + version + " leased with the weights of version " + values[0]);
      }
    }
  }

  private static float valueOf(LoraAdapter adapter) {
    return adapter.parameters().get(0).array().toFloatArray()[0];
  }
}
