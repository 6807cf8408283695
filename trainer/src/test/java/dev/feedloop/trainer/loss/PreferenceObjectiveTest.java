package dev.feedloop.trainer.loss;

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

/**
 * Every loss and its gradient against numbers worked out by hand (double precision, rounded to 10
 * digits).
 *
 * <p>The shared pair batch, B = 2:
 *
 * <pre>
 *   policy chosen  pi_w = [-5, -8]   policy rejected  pi_l = [-7, -7]
 *   ref chosen    ref_w = [-6, -7]   ref rejected    ref_l = [-6, -7]
 *   chosen tokens   n_w = [ 2,  4]   rejected tokens   n_l = [ 4,  2]
 *   h      = (pi_w - pi_l) - (ref_w - ref_l)           = [2 - 0, -1 - 0]              = [2, -1]
 *   h_norm = (pi_w - ref_w)/n_w - (pi_l - ref_l)/n_l   = [1/2 - (-1)/4, -1/4 - 0/2]   = [0.75, -0.25]
 * </pre>
 *
 * softplus(x) = log(1 + e^x), s = sigmoid, log s(x) = -softplus(-x); every loss is the mean over
 * the batch, so each per-pair derivative carries a factor 1/B = 1/2.
 */
class PreferenceObjectiveTest {
  private static final double TOLERANCE = 2e-6;

  private NDManager manager;
  private NDArray policyChosen;
  private NDArray policyRejected;
  private PairLogps batch;

  @BeforeEach
  void createBatch() {
    manager = NDManager.newBaseManager();
    policyChosen = manager.create(new float[] {-5, -8});
    policyRejected = manager.create(new float[] {-7, -7});
    policyChosen.setRequiresGradient(true);
    policyRejected.setRequiresGradient(true);
    batch =
        PairLogps.of(
            policyChosen,
            policyRejected,
            manager.create(new float[] {-6, -7}),
            manager.create(new float[] {-6, -7}),
            manager.create(new float[] {2, 4}),
            manager.create(new float[] {4, 2}));
  }

  @AfterEach
  void close() {
    manager.close();
  }

  private LossResult lossWithGradient(LossConfig config, PairLogps pairs) {
    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      LossResult result = new PreferenceObjective(config).pairLoss(pairs);
      collector.backward(result.loss());
      return result;
    }
  }

  private void assertGradients(double[] chosen, double[] rejected) {
    assertClose(policyChosen.getGradient().toFloatArray(), chosen);
    assertClose(policyRejected.getGradient().toFloatArray(), rejected);
  }

  private static void assertClose(float[] actual, double[] expected) {
    assertThat(actual).hasSize(expected.length);
    for (int i = 0; i < expected.length; i++) {
      assertThat((double) actual[i]).as("element %d", i).isCloseTo(expected[i], within(TOLERANCE));
    }
  }

  @Test
  void sigmoidIsDpo() {
    // beta = 0.1, beta*h = [0.2, -0.1]; loss_i = softplus(-beta h_i) = [softplus(-0.2),
    // softplus(0.1)]
    //   = [0.5981388694, 0.7443966601], mean 0.6712677647
    // d loss / d pi_w_i = -(1/2) beta s(-beta h_i) = -(0.05) [s(-0.2), s(0.1)] = -0.05
    // [0.4501660027, 0.5249791875]
    //   = [-0.0225083001, -0.0262489594]; d/d pi_l is the negative
    LossResult result = lossWithGradient(LossConfig.of(LossType.SIGMOID), batch);
    assertThat(result.metric("loss")).isCloseTo(0.6712677647, within(TOLERANCE));
    assertGradients(
        new double[] {-0.0225083001, -0.0262489594}, new double[] {0.0225083001, 0.0262489594});
  }

  @Test
  void sigmoidWithLabelSmoothingIsConservativeDpo() {
    // eps = 0.1: loss_i = 0.9 softplus(-beta h_i) + 0.1 softplus(beta h_i)
    //   pair 0: 0.9*0.5981388694 + 0.1*0.7981388694 = 0.6181388694
    //   pair 1: 0.9*0.7443966601 + 0.1*0.6443966601 = 0.7343966601      mean 0.6762677647
    // d/d pi_w_i = (1/2)(-0.9 beta s(-beta h_i) + 0.1 beta s(beta h_i))
    //   pair 0: 0.5(-0.09*0.4501660027 + 0.01*0.5498339973) = -0.0175083001
    //   pair 1: 0.5(-0.09*0.5249791875 + 0.01*0.4750208125) = -0.0212489594
    LossResult result =
        lossWithGradient(LossConfig.of(LossType.SIGMOID).withLabelSmoothing(0.1), batch);
    assertThat(result.metric("loss")).isCloseTo(0.6762677647, within(TOLERANCE));
    assertGradients(
        new double[] {-0.0175083001, -0.0212489594}, new double[] {0.0175083001, 0.0212489594});
  }

  @Test
  void robustDividesTheUnbiasedEstimateByOneMinusTwoEpsilon() {
    // eps = 0.1: loss_i = (0.9 softplus(-beta h_i) - 0.1 softplus(beta h_i)) / 0.8
    //   pair 0: (0.5383249824 - 0.0798138869)/0.8 = 0.5731388694
    //   pair 1: (0.6699569941 - 0.0644396660)/0.8 = 0.7568966601      mean 0.6650177647
    // d/d pi_w_i = (1/2)(-0.9 beta s(-beta h_i) - 0.1 beta s(beta h_i)) / 0.8
    //   pair 0: 0.5(-0.0405149402 - 0.0054983400)/0.8 = -0.0287583001
    //   pair 1: 0.5(-0.0472481269 - 0.0047502081)/0.8 = -0.0324989594
    LossResult result =
        lossWithGradient(LossConfig.of(LossType.ROBUST).withLabelSmoothing(0.1), batch);
    assertThat(result.metric("loss")).isCloseTo(0.6650177647, within(TOLERANCE));
    assertGradients(
        new double[] {-0.0287583001, -0.0324989594}, new double[] {0.0287583001, 0.0324989594});
  }

  @Test
  void hingeHasNoGradientOncePastTheMargin() {
    // beta = 0.75: 1 - beta h = [1 - 1.5, 1 + 0.75] = [-0.5, 1.75]; relu -> [0, 1.75], mean 0.875
    // pair 0 is past the margin: zero gradient; pair 1: d/d pi_w = (1/2)(-beta) = -0.375
    LossResult result = lossWithGradient(LossConfig.of(LossType.HINGE).withBeta(0.75), batch);
    assertThat(result.metric("loss")).isCloseTo(0.875, within(TOLERANCE));
    assertGradients(new double[] {0, -0.375}, new double[] {0, 0.375});
  }

  @Test
  void ipoRegressesTheLengthNormalisedDifferenceOntoOneOverTwoBeta() {
    // beta = 0.1, target 1/(2 beta) = 5; loss_i = (h_norm_i - 5)^2 = [(-4.25)^2, (-5.25)^2] =
    // [18.0625, 27.5625]
    //   mean 22.8125
    // d/d pi_w_i = (1/2) 2 (h_norm_i - 5) / n_w_i = [-4.25/2, -5.25/4] = [-2.125, -1.3125]
    // d/d pi_l_i = -(1/2) 2 (h_norm_i - 5) / n_l_i = [4.25/4, 5.25/2] = [1.0625, 2.625]
    LossResult result = lossWithGradient(LossConfig.of(LossType.IPO), batch);
    assertThat(result.metric("loss")).isCloseTo(22.8125, within(1e-4));
    assertGradients(new double[] {-2.125, -1.3125}, new double[] {1.0625, 2.625});
  }

  @Test
  void sigmoidNormIsDpoOnPerTokenLogRatios() {
    // loss_i = softplus(-beta h_norm_i) = [softplus(-0.075), softplus(0.025)] = [0.6563501408,
    // 0.7057253035]
    //   mean 0.6810377222
    // d/d pi_w_i = -(1/2) beta s(-beta h_norm_i) / n_w_i = -0.05 [0.4812587190/2, 0.5062497396/4]
    //   = [-0.0120314696, -0.0063281209];  d/d pi_l_i = +0.05 s(-beta h_norm_i) / n_l_i =
    // [0.0060157348, 0.0126562419]
    LossResult result = lossWithGradient(LossConfig.of(LossType.SIGMOID_NORM), batch);
    assertThat(result.metric("loss")).isCloseTo(0.6810377222, within(TOLERANCE));
    assertGradients(
        new double[] {-0.0120314696, -0.0063281209}, new double[] {0.0060157348, 0.0126562419});
  }

  @Test
  void simpoIsReferenceFreeWithAMargin() {
    // beta = 2, gamma = 0.5; per-token means pi_w/n_w = [-2.5, -2], pi_l/n_l = [-1.75, -3.5]
    // z_i = beta (mean_w - mean_l) - gamma = [2(-0.75) - 0.5, 2(1.5) - 0.5] = [-2, 2.5]
    // loss_i = softplus(-z_i) = [softplus(2), softplus(-2.5)] = [2.1269280110, 0.0788897343], mean
    // 1.1029088727
    // d/d pi_w_i = -(1/2) beta s(-z_i) / n_w_i = -[0.8807970780/2, 0.0758581800/4] =
    // [-0.4403985390, -0.0189645450]
    // d/d pi_l_i = +(1/2) beta s(-z_i) / n_l_i = [0.8807970780/4, 0.0758581800/2] = [0.2201992695,
    // 0.0379290900]
    PairLogps referenceFree =
        PairLogps.of(
            policyChosen, policyRejected, null, null, batch.chosenTokens(), batch.rejectedTokens());
    LossResult result =
        lossWithGradient(
            LossConfig.of(LossType.SIMPO).withBeta(2).withSimpoGamma(0.5), referenceFree);
    assertThat(result.metric("loss")).isCloseTo(1.1029088727, within(TOLERANCE));
    assertGradients(
        new double[] {-0.4403985390, -0.0189645450}, new double[] {0.2201992695, 0.0379290900});
    // SimPO's implicit reward is beta * mean log-prob: chosen [-5, -4], rejected [-3.5, -7]
    assertThat(result.metric("rewards/chosen")).isCloseTo(-4.5, within(1e-5));
    assertThat(result.metric("rewards/rejected")).isCloseTo(-5.25, within(1e-5));
    assertThat(result.metric("rewards/accuracies")).isEqualTo(0.5);
  }

  @Test
  void orpoAddsTheOddsRatioTermToTheChosenNll() {
    // per-token means a_w = [-2.5, -2], a_l = [-1.75, -3.5]; log odds(a) = a - log(1 - e^a)
    //   log odds(-2.5) = -2.5 + 0.0856504837 = -2.4143495163    log odds(-2)   = -1.8545865421
    //   log odds(-1.75) = -1.5591131333                          log odds(-3.5) = -3.4693372837
    // ratio_i = [-0.8552363830, 1.6147507416]; odds term_i = -beta log s(ratio_i) = 0.1
    // softplus(-ratio_i)
    //   = [0.1209536380, 0.0181438043], mean 0.0695487212
    // nll = -(pi_w_0 + pi_w_1)/(n_w_0 + n_w_1) = 13/6 = 2.1666666667; total 2.2362153878
    // d/d pi_w_i = (1/2)(-beta s(-ratio_i)) / (1 - e^{a_w_i}) / n_w_i - 1/6 = [-0.1857769448,
    // -0.1690654300]
    // d/d pi_l_i = (1/2)( beta s(-ratio_i)) / (1 - e^{a_l_i}) / n_l_i        = [ 0.0106155034,
    // 0.0042774189]
    PairLogps referenceFree =
        PairLogps.of(
            policyChosen, policyRejected, null, null, batch.chosenTokens(), batch.rejectedTokens());
    LossResult result = lossWithGradient(LossConfig.of(LossType.ORPO), referenceFree);
    assertThat(result.metric("loss")).isCloseTo(2.2362153878, within(TOLERANCE));
    assertThat(result.metric("nll")).isCloseTo(13.0 / 6, within(TOLERANCE));
    assertThat(result.metric("log_odds_ratio")).isCloseTo(-0.6954872117, within(TOLERANCE));
    assertThat(result.metric("log_odds_chosen")).isCloseTo(0.3797571793, within(TOLERANCE));
    assertGradients(
        new double[] {-0.1857769448, -0.1690654300}, new double[] {0.0106155034, 0.0042774189});
  }

  @Test
  void sftMixesIntoAnyLossWithItsWeight() {
    // sigmoid (0.6712677647) + 0.5 * nll (13/6) = 1.7546010981
    // d/d pi_w_i = sigmoid gradient - 0.5/6 = [-0.0225083001 - 0.0833333333, -0.0262489594 -
    // 0.0833333333]
    LossConfig config =
        new LossConfig(
            List.of(new LossTerm(LossType.SIGMOID, 1), new LossTerm(LossType.SFT, 0.5)),
            0.1,
            0,
            0.5,
            1,
            1);
    LossResult result = lossWithGradient(config, batch);
    assertThat(result.metric("loss")).isCloseTo(1.7546010981, within(TOLERANCE));
    assertThat(result.metric("loss/sigmoid")).isCloseTo(0.6712677647, within(TOLERANCE));
    assertThat(result.metric("loss/sft")).isCloseTo(13.0 / 6, within(TOLERANCE));
    assertThat(result.metric("nll")).isCloseTo(13.0 / 6, within(TOLERANCE));
    assertGradients(
        new double[] {-0.1058416335, -0.1095822927}, new double[] {0.0225083001, 0.0262489594});
  }

  @Test
  void severalPairLossesCombineWithWeights() {
    // 2 * sigmoid + 0.5 * hinge(beta 0.1): hinge_i = 1 - 0.1 h_i = [0.8, 1.1], mean 0.95
    // total = 2 * 0.6712677647 + 0.5 * 0.95 = 1.8175355294
    // d/d pi_w_i = 2 * [-0.0225083001, -0.0262489594] + 0.5 * (1/2)(-0.1) = [-0.0700166002,
    // -0.0774979188]
    LossConfig config =
        new LossConfig(
            List.of(new LossTerm(LossType.SIGMOID, 2), new LossTerm(LossType.HINGE, 0.5)),
            0.1,
            0,
            0.5,
            1,
            1);
    LossResult result = lossWithGradient(config, batch);
    assertThat(result.metric("loss")).isCloseTo(1.8175355294, within(TOLERANCE));
    assertGradients(
        new double[] {-0.0700166002, -0.0774979188}, new double[] {0.0700166002, 0.0774979188});
  }

  @Test
  void pairWeightsScaleEachPairsLoss() {
    // weights [2, 0.5]: mean(2 * 0.5981388694, 0.5 * 0.7443966601) = (1.1962777388 +
    // 0.3721983300)/2 = 0.7842380344
    PairLogps weighted =
        new PairLogps(
            policyChosen,
            policyRejected,
            batch.referenceChosen(),
            batch.referenceRejected(),
            batch.chosenTokens(),
            batch.rejectedTokens(),
            null,
            null,
            manager.create(new float[] {2f, 0.5f}));
    LossResult result = lossWithGradient(LossConfig.of(LossType.SIGMOID), weighted);
    assertThat(result.metric("loss")).isCloseTo(0.7842380344, within(TOLERANCE));
    // d/d pi_w_0 = 2 * -0.0225083001
    assertThat((double) policyChosen.getGradient().toFloatArray()[0])
        .isCloseTo(-0.0450166002, within(TOLERANCE));
  }

  @Test
  void rewardMetricsAreNamedAsTrlNamesThem() {
    // rewards = beta (pi - ref): chosen [0.1, -0.1], rejected [-0.1, 0]
    // accuracies: 0.1 > -0.1 yes, -0.1 > 0 no -> 0.5; margins mean(0.2, -0.1) = 0.05
    // logits: token-weighted mean of per-sequence mean logits: chosen (1*2 + 4*4)/6 = 3, rejected
    // (2*4 + 6*2)/6 = 3.3333
    PairLogps withLogits =
        new PairLogps(
            policyChosen,
            policyRejected,
            batch.referenceChosen(),
            batch.referenceRejected(),
            batch.chosenTokens(),
            batch.rejectedTokens(),
            manager.create(new float[] {1, 4}),
            manager.create(new float[] {2, 6}),
            null);
    LossResult result =
        new PreferenceObjective(LossConfig.of(LossType.SIGMOID)).pairLoss(withLogits);
    assertThat(result.metrics())
        .containsKeys(
            "loss",
            "rewards/chosen",
            "rewards/rejected",
            "rewards/accuracies",
            "rewards/margins",
            "logps/chosen",
            "logps/rejected",
            "logits/chosen",
            "logits/rejected");
    assertThat(result.metric("rewards/chosen")).isCloseTo(0.0, within(1e-6));
    assertThat(result.metric("rewards/rejected")).isCloseTo(-0.05, within(1e-6));
    assertThat(result.metric("rewards/accuracies")).isEqualTo(0.5);
    assertThat(result.metric("rewards/margins")).isCloseTo(0.05, within(1e-6));
    assertThat(result.metric("logps/chosen")).isCloseTo(-6.5, within(1e-6));
    assertThat(result.metric("logps/rejected")).isCloseTo(-7.0, within(1e-6));
    assertThat(result.metric("logits/chosen")).isCloseTo(3.0, within(1e-6));
    assertThat(result.metric("logits/rejected")).isCloseTo(20.0 / 6, within(1e-6));
  }

  @Test
  void logSigmoidStaysFiniteForLargeArguments() {
    // log s(x) = -softplus(-x): log s(1000) = -e^-1000 ~ 0, log s(-1000) = -1000 (no overflow to
    // -inf)
    float[] values =
        PreferenceLosses.logSigmoid(manager.create(new float[] {-1000f, -50f, 0f, 50f, 1000f}))
            .toFloatArray();
    assertThat(values[0]).isEqualTo(-1000f);
    assertThat(values[1]).isCloseTo(-50f, within(1e-5f));
    assertThat(values[2]).isCloseTo((float) -Math.log(2), within(1e-6f));
    assertThat(values[3]).isCloseTo(0f, within(1e-6f));
    assertThat(values[4]).isCloseTo(0f, within(1e-6f));
    assertThat(values).doesNotContain(Float.NaN, Float.NEGATIVE_INFINITY);
  }

  @Test
  void extremeMarginsGiveFiniteLossAndGradient() {
    // h = 10000: softplus(-1000) = 0 with zero gradient; h = -10000: loss 1000 with gradient
    // -beta/2 = -0.05
    NDArray chosen = manager.create(new float[] {0f, -10000f});
    NDArray rejected = manager.create(new float[] {-10000f, 0f});
    chosen.setRequiresGradient(true);
    PairLogps extreme =
        PairLogps.of(
            chosen,
            rejected,
            manager.zeros(new ai.djl.ndarray.types.Shape(2)),
            manager.zeros(new ai.djl.ndarray.types.Shape(2)),
            manager.ones(new ai.djl.ndarray.types.Shape(2)),
            manager.ones(new ai.djl.ndarray.types.Shape(2)));
    LossResult result = lossWithGradient(LossConfig.of(LossType.SIGMOID), extreme);
    assertThat(result.metric("loss")).isCloseTo(500.0, within(1e-3));
    assertClose(chosen.getGradient().toFloatArray(), new double[] {0, -0.05});
  }

  @Test
  void referenceBasedLossesRefuseABatchWithoutReference() {
    PairLogps referenceFree =
        PairLogps.of(
            policyChosen, policyRejected, null, null, batch.chosenTokens(), batch.rejectedTokens());
    assertThatThrownBy(
            () -> new PreferenceObjective(LossConfig.of(LossType.SIGMOID)).pairLoss(referenceFree))
        .hasMessageContaining("reference");
  }

  @Test
  void ktoCannotBeMixedWithPairLosses() {
    assertThatThrownBy(() -> LossConfig.of(LossType.KTO, LossType.SIGMOID))
        .hasMessageContaining("kto");
    assertThat(LossConfig.of(LossType.KTO, LossType.SFT).unary()).isTrue();
  }

  @Test
  void lossTermsParseFromCliSpecs() {
    assertThat(LossTerm.parse("sigmoid_norm")).isEqualTo(new LossTerm(LossType.SIGMOID_NORM, 1.0));
    assertThat(LossTerm.parse("sft:0.2")).isEqualTo(new LossTerm(LossType.SFT, 0.2));
    assertThatThrownBy(() -> LossTerm.parse("dpo")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LossTerm.parse("sft:-1")).hasMessageContaining("positive");
  }
}
