package dev.feedloop.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.model.lora.LoraConfig;
import dev.feedloop.model.lora.LoraParameter;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Autograd through the whole model agrees with central finite differences, in float64. */
class GradientCheckTest {

  static Stream<Arguments> configs() {
    return Stream.of(
        // q/k/v biases, tied head, scaled rope
        Arguments.of("qwen2", TinyModels.qwen2Tied().withRopeScaling(RopeScaling.linear(2))),
        // q/k norms, q/k/v/o biases, a sliding window shorter than the sequences
        Arguments.of(
            "qwen3", TinyModels.qwen3Windowed().withArchitecture(ModelConfig.QWEN3, true)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void loraGradientsMatchFiniteDifferences(String name, ModelConfig config) {
    List<CausalLM.Sequence> batch = LoraTest.batch();
    try (CausalLM model = CausalLM.random(config, ai.djl.Device.cpu(), DataType.FLOAT64, 4);
        LoraAdapter adapter =
            LoraAdapter.create(
                config,
                LoraConfig.of(2, 4, 0, LoraTest.ALL),
                model.manager(),
                DataType.FLOAT64,
                8)) {
      // nonzero B, or every gradient of A would be zero and prove nothing
      Random rnd = new Random(3);
      for (LoraParameter p : adapter.parameters()) {
        if (p.name().endsWith("lora_B.weight")) {
          double[] v = new double[(int) p.array().size()];
          for (int i = 0; i < v.length; i++) {
            v[i] = 0.1 * rnd.nextGaussian();
          }
          p.array().set(v);
        }
      }
      adapter.trainable(true);
      try (NDManager m = model.manager().newSubManager()) {
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          gc.backward(model.logProbs(m, batch, adapter, false).sum().sum());
        }
        int checked = 0;
        double eps = 1e-6;
        for (LoraParameter p : adapter.parameters()) {
          double[] grad = p.gradient(m).toDoubleArray();
          long cols = p.array().getShape().get(1);
          for (int k = 0; k < 3; k++) {
            int flat = rnd.nextInt(grad.length);
            NDIndex at = new NDIndex(flat / cols, flat % cols);
            double original = p.array().get(at).getDouble();
            double up = loss(model, batch, adapter, p.array(), at, original + eps);
            double down = loss(model, batch, adapter, p.array(), at, original - eps);
            set(p.array(), at, original);
            double numeric = (up - down) / (2 * eps);
            assertThat(grad[flat])
                .as("%s[%d]", p.name(), flat)
                .isCloseTo(
                    numeric,
                    org.assertj.core.api.Assertions.within(1e-6 + 1e-5 * Math.abs(numeric)));
            checked++;
          }
        }
        assertThat(checked).isEqualTo(2 * 7 * 2 * 3);
      }
    }
  }

  private static double loss(
      CausalLM model,
      List<CausalLM.Sequence> batch,
      LoraAdapter adapter,
      NDArray param,
      NDIndex at,
      double value) {
    set(param, at, value);
    return model.score(batch, adapter).stream().mapToDouble(CausalLM.Score::sum).sum();
  }

  private static void set(NDArray param, NDIndex at, double value) {
    try (NoGrad ignored =
        NoGrad.enter()) { // in-place writes to a leaf that requires grad need no-grad mode
      param.set(at, value);
    }
  }
}
