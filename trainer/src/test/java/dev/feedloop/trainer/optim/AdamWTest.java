package dev.feedloop.trainer.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdamWTest {
  private NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  /** Backward of loss = sum(p * direction), so the gradient is exactly {@code direction}. */
  private void backwardWithGradient(NDArray parameter, float[] direction) {
    try (NDManager step = manager.newSubManager();
        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray constant = step.create(direction);
      // the product is computed on the step-scoped constant so that it lives (and dies) in the step
      // manager
      collector.backward(constant.mul(parameter).sum());
    }
  }

  @Test
  void twoStepsMatchHandComputedAdamW() {
    // lr 0.1, wd 0.01, b1 0.9, b2 0.999, eps 1e-8; p0 = [1, -2]
    // step 1, g = [0.5, -1]: m = 0.1 g = [0.05, -0.1]; v = 0.001 g^2 = [0.00025, 0.001]
    //   m_hat = m / 0.1 = [0.5, -1]; v_hat = v / 0.001 = [0.25, 1] -> update =
    // m_hat/(sqrt(v_hat)+eps) ~ [1, -1]
    //   p = p (1 - 0.1*0.01) - 0.1 update = [0.999 - 0.1, -1.998 + 0.1] = [0.8990000020,
    // -1.8980000010]
    // step 2, g = [-0.25, 2]: m = 0.9 m + 0.1 g = [0.02, 0.11]; v = 0.999 v + 0.001 g^2 =
    // [0.00031225, 0.004999]
    //   bias corrections 1 - 0.9^2 = 0.19, 1 - 0.999^2 = 0.001999
    //   m_hat = [0.1052631579, 0.5789473684]; v_hat = [0.1562031016, 2.5007503752]
    //   p0 = 0.899 * 0.999 - 0.1 * 0.1052631579 / 0.3952253807 = 0.8981010 - 0.0266336 =
    // 0.8714672987
    //   p1 = -1.898 * 0.999 - 0.1 * 0.5789473684 / 1.5813760 = -1.8961020 - 0.0366104 =
    // -1.9327123535
    NDArray parameter = manager.create(new float[] {1f, -2f});
    parameter.setRequiresGradient(true);
    List<NDArray> parameters = List.of(parameter);
    try (AdamW optimizer = new AdamW(parameters, AdamWConfig.withWeightDecay(0.01))) {
      backwardWithGradient(parameter, new float[] {0.5f, -1f});
      optimizer.step(0.1);
      Gradients.zero(parameters);
      assertThat((double) parameter.toFloatArray()[0]).isCloseTo(0.8990000020, within(1e-6));
      assertThat((double) parameter.toFloatArray()[1]).isCloseTo(-1.8980000010, within(1e-6));

      backwardWithGradient(parameter, new float[] {-0.25f, 2f});
      optimizer.step(0.1);
      Gradients.zero(parameters);
      float[] after = parameter.toFloatArray();
      assertThat((double) after[0]).isCloseTo(0.8714672987, within(1e-6));
      assertThat((double) after[1]).isCloseTo(-1.9327123535, within(1e-6));
      float[][] moments = optimizer.moments(0);
      assertThat((double) moments[0][1]).isCloseTo(0.11, within(1e-7));
      assertThat((double) moments[1][0]).isCloseTo(0.00031225, within(1e-9));
      assertThat(optimizer.steps()).isEqualTo(2);
    }
  }

  @Test
  void aRestoredOptimizerGoesOnExactlyAsTheUninterruptedOne() {
    // the online trainer's checkpoint: moments and step count saved after step 1, restored into a
    // new optimizer over a copy of the parameter, then step 2 on both
    NDArray parameter = manager.create(new float[] {1f, -2f});
    parameter.setRequiresGradient(true);
    try (AdamW uninterrupted = new AdamW(List.of(parameter), AdamWConfig.withWeightDecay(0.01))) {
      backwardWithGradient(parameter, new float[] {0.5f, -1f});
      uninterrupted.step(0.1);
      Gradients.zero(List.of(parameter));
      float[][] saved = uninterrupted.moments(0);
      NDArray copy = manager.create(parameter.toFloatArray());
      copy.setRequiresGradient(true);
      try (AdamW restored =
          AdamW.restored(
              List.of(copy),
              AdamWConfig.withWeightDecay(0.01),
              uninterrupted.steps(),
              List.of(saved[0]),
              List.of(saved[1]))) {
        backwardWithGradient(parameter, new float[] {-0.25f, 2f});
        uninterrupted.step(0.1);
        backwardWithGradient(copy, new float[] {-0.25f, 2f});
        restored.step(0.1);
        assertThat(copy.toFloatArray()).containsExactly(parameter.toFloatArray());
        assertThat(restored.steps()).isEqualTo(2);
        assertThat(restored.moments(0)[1]).containsExactly(uninterrupted.moments(0)[1]);
      }
    }
  }

  @Test
  void restoringRefusesMomentsOfAnotherShape() {
    NDArray parameter = manager.create(new float[] {1f, -2f});
    parameter.setRequiresGradient(true);
    assertThatThrownBy(
            () ->
                AdamW.restored(
                    List.of(parameter),
                    AdamWConfig.withWeightDecay(0),
                    1,
                    List.of(new float[3]),
                    List.of(new float[3])))
        .hasMessageContaining("3 values");
  }

  @Test
  void weightDecayIsDecoupledFromTheGradient() {
    // zero gradient: Adam's update is 0/(0+eps) = 0, so only the decay acts: p = 4 (1 - lr wd) = 4
    // (1 - 0.5*0.1) = 3.8
    // (coupled L2 decay would instead feed wd p into the moments and move p by ~lr)
    NDArray parameter = manager.create(new float[] {4f});
    parameter.setRequiresGradient(true);
    try (AdamW optimizer = new AdamW(List.of(parameter), AdamWConfig.withWeightDecay(0.1))) {
      backwardWithGradient(parameter, new float[] {0f});
      optimizer.step(0.5);
    }
    assertThat(parameter.toFloatArray()[0]).isCloseTo(3.8f, within(1e-6f));
  }

  @Test
  void gradientsAccumulateUntilZeroed() {
    NDArray parameter = manager.create(new float[] {1f, 1f});
    parameter.setRequiresGradient(true);
    backwardWithGradient(parameter, new float[] {1f, 2f});
    backwardWithGradient(parameter, new float[] {1f, 2f});
    assertThat(parameter.getGradient().toFloatArray()).containsExactly(2f, 4f);
    Gradients.zero(List.of(parameter));
    assertThat(parameter.getGradient().toFloatArray()).containsExactly(0f, 0f);
  }

  @Test
  void zeroingClearsNonFiniteGradients() {
    NDArray parameter = manager.create(new float[] {1f});
    parameter.setRequiresGradient(true);
    backwardWithGradient(parameter, new float[] {Float.NaN});
    assertThat(Gradients.allFinite(List.of(parameter))).isFalse();
    Gradients.zero(List.of(parameter));
    assertThat(parameter.getGradient().toFloatArray()).containsExactly(0f);
  }

  @Test
  void clippingScalesByTheGlobalNorm() {
    // gradients [3, 0] and [0, 4]: global norm sqrt(9 + 16) = 5; clip to 1 -> scale 1/(5 + 1e-6)
    NDArray first = manager.create(new float[] {0f, 0f});
    NDArray second = manager.create(new float[] {0f, 0f});
    first.setRequiresGradient(true);
    second.setRequiresGradient(true);
    backwardWithGradient(first, new float[] {3f, 0f});
    backwardWithGradient(second, new float[] {0f, 4f});
    List<NDArray> parameters = List.of(first, second);
    assertThat(Gradients.clipByGlobalNorm(parameters, 1.0)).isCloseTo(5.0, within(1e-9));
    assertThat(first.getGradient().toFloatArray()[0]).isCloseTo(0.6f, within(1e-6f));
    assertThat(second.getGradient().toFloatArray()[1]).isCloseTo(0.8f, within(1e-6f));
    assertThat(Gradients.globalNorm(parameters)).isCloseTo(1.0, within(1e-6));
    // below the threshold nothing changes
    assertThat(Gradients.clipByGlobalNorm(parameters, 10.0)).isCloseTo(1.0, within(1e-6));
    assertThat(second.getGradient().toFloatArray()[1]).isCloseTo(0.8f, within(1e-6f));
  }

  @Test
  void manyStepsDoNotGrowTheManagers() {
    NDArray parameter = manager.create(new float[] {1f, 2f, 3f});
    parameter.setRequiresGradient(true);
    List<NDArray> parameters = List.of(parameter);
    try (AdamW optimizer = new AdamW(parameters, AdamWConfig.withWeightDecay(0.01))) {
      backwardWithGradient(parameter, new float[] {1f, 1f, 1f});
      optimizer.step(0.01);
      Gradients.clipByGlobalNorm(parameters, 1.0);
      Gradients.zero(parameters);
      int baseline = manager.getManagedArrays().size();
      for (int i = 0; i < 200; i++) {
        backwardWithGradient(parameter, new float[] {1f, -1f, 0.5f});
        Gradients.clipByGlobalNorm(parameters, 1.0);
        optimizer.step(0.01);
        Gradients.zero(parameters);
      }
      assertThat(manager.getManagedArrays().size()).isEqualTo(baseline);
    }
  }

  @Test
  void refusesParametersWithoutGradient() {
    NDArray frozen = manager.create(new float[] {1f});
    assertThatThrownBy(() -> new AdamW(List.of(frozen), AdamWConfig.withWeightDecay(0)))
        .hasMessageContaining("gradient");
  }
}
