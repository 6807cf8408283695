package dev.feedloop.trainer.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * KTO against hand-computed values. Batch of 4 unary records, beta = 0.5, lambda_D = 1, lambda_U =
 * 1.5:
 *
 * <pre>
 *   policy    = [-3,   -4, -5, -2  ]
 *   reference = [-3.5, -4, -4, -2.5]     r = policy - reference = [0.5, 0, -1, 0.5]
 *   desirable = [ 1,    1,  0,  0  ]
 *   mismatched pairs: policy [-6, -7], reference [-7, -7.5] -> z0 = max(0, mean(1, 0.5)) = 0.75
 * </pre>
 *
 * desirable loss 1 - s(beta (r - z0)), undesirable loss lambda_U (1 - s(beta (z0 - r))):
 *
 * <pre>
 *   0: 1 - s(0.5 * -0.25)  = 1 - s(-0.125) = 0.5312093734
 *   1: 1 - s(0.5 * -0.75)  = 1 - s(-0.375) = 0.5926666000
 *   2: 1.5 (1 - s(0.5 * 1.75))  = 1.5 (1 - s(0.875)) = 0.4413224582
 *   3: 1.5 (1 - s(0.5 * 0.25))  = 1.5 (1 - s(0.125)) = 0.7031859399      mean 0.5670960929
 * </pre>
 *
 * Gradients: d/d pi_i = -(1/4) lambda beta s'(.) for desirable, +(1/4) lambda beta s'(.) for
 * undesirable, s' = s(1-s): [-0.0311282469, -0.0301766127, 0.0389348479, 0.0466923703]; z0 is
 * detached, so the mismatched policy log-probs get none.
 */
class KtoLossTest {
  private NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  private UnaryLogps batch(NDArray policy, NDArray policyMismatched, float[] referenceMismatched) {
    return new UnaryLogps(
        policy,
        manager.create(new float[] {-3.5f, -4f, -4f, -2.5f}),
        manager.create(new float[] {1, 1, 0, 0}),
        policyMismatched,
        manager.create(referenceMismatched),
        manager.create(new float[] {2, 2, 3, 1}),
        null);
  }

  @Test
  void ktoLossGradientAndDetachedReferencePoint() {
    NDArray policy = manager.create(new float[] {-3, -4, -5, -2});
    NDArray mismatched = manager.create(new float[] {-6, -7});
    policy.setRequiresGradient(true);
    mismatched.setRequiresGradient(true);
    LossConfig config = LossConfig.of(LossType.KTO).withBeta(0.5).withKtoWeights(1.0, 1.5);
    LossResult result;
    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      result =
          new PreferenceObjective(config)
              .unaryLoss(batch(policy, mismatched, new float[] {-7f, -7.5f}));
      collector.backward(result.loss());
    }
    assertThat(result.metric("loss")).isCloseTo(0.5670960929, within(2e-6));
    assertThat(result.metric("kl")).isCloseTo(0.75, within(1e-6));
    float[] gradient = policy.getGradient().toFloatArray();
    double[] expected = {-0.0311282469, -0.0301766127, 0.0389348479, 0.0466923703};
    for (int i = 0; i < expected.length; i++) {
      assertThat((double) gradient[i]).isCloseTo(expected[i], within(2e-6));
    }
    assertThat(mismatched.getGradient().toFloatArray()).containsOnly(0f);
    // rewards: beta r; desirable [0.25, 0] -> 0.125, undesirable [-0.5, 0.25] -> -0.125; margin
    // 0.25
    assertThat(result.metric("rewards/chosen")).isCloseTo(0.125, within(1e-6));
    assertThat(result.metric("rewards/rejected")).isCloseTo(-0.125, within(1e-6));
    assertThat(result.metric("rewards/margins")).isCloseTo(0.25, within(1e-6));
    assertThat(result.metric("logps/chosen")).isCloseTo(-3.5, within(1e-6));
    assertThat(result.metric("logps/rejected")).isCloseTo(-3.5, within(1e-6));
  }

  @Test
  void negativeKlEstimateIsClampedToZero() {
    // mismatched policy below reference: mean(pi - ref) = mean(-1, -0.5) < 0 -> z0 = 0
    //   losses: 1 - s(0.25) = 0.4378234991, 1 - s(0) = 0.5, 1.5 (1 - s(0.5)) = 0.5663110032,
    //           1.5 (1 - s(-0.25)) = 0.8432647513; mean 0.5868498134
    NDArray policy = manager.create(new float[] {-3, -4, -5, -2});
    LossConfig config = LossConfig.of(LossType.KTO).withBeta(0.5).withKtoWeights(1.0, 1.5);
    LossResult result =
        new PreferenceObjective(config)
            .unaryLoss(
                batch(policy, manager.create(new float[] {-8, -8}), new float[] {-7f, -7.5f}));
    assertThat(result.metric("kl")).isEqualTo(0.0);
    assertThat(result.metric("loss")).isCloseTo(0.5868498134, within(2e-6));
  }

  @Test
  void sftOnUnaryRecordsImitatesOnlyDesirableCompletions() {
    // nll over desirable records only: -(-3 - 4)/(2 + 2) = 1.75; KTO + 0.1 * 1.75 = 0.5670960929 +
    // 0.175
    NDArray policy = manager.create(new float[] {-3, -4, -5, -2});
    LossConfig config =
        new LossConfig(
            List.of(new LossTerm(LossType.KTO, 1), new LossTerm(LossType.SFT, 0.1)),
            0.5,
            0,
            0.5,
            1.0,
            1.5);
    LossResult result =
        new PreferenceObjective(config)
            .unaryLoss(
                batch(policy, manager.create(new float[] {-6, -7}), new float[] {-7f, -7.5f}));
    assertThat(result.metric("loss/sft")).isCloseTo(1.75, within(1e-6));
    assertThat(result.metric("nll")).isCloseTo(1.75, within(1e-6));
    assertThat(result.metric("loss")).isCloseTo(0.7420960929, within(2e-6));
  }
}
