package dev.feedloop.model.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.feedloop.model.CausalLM;
import dev.feedloop.model.LanguageModel;
import dev.feedloop.model.ModelConfig;
import dev.feedloop.model.NoGrad;
import dev.feedloop.model.Weights;
import dev.feedloop.model.bench.Flops;
import dev.feedloop.model.bench.RawDecodeBench;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.model.lora.LoraConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Forward and forward+backward throughput, reported against a float32 matmul peak measured in the
 * same process, so the ratio means something on whatever machine runs it.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    modelTransformer = ModelOptions.ModelOptional.class,
    description =
        "Tokens/s and GFLOP/s of forward and forward+backward (LoRA-only gradients); tokens/s of"
            + " continuous batching decode of a --model at several batch sizes.")
final class BenchCommand implements Callable<Integer> {

  /** --model: also benchmark this model directory; --seed: the random weights and inputs. */
  @Mixin ModelOptions modelOptions;

  @Option(names = "--batch", defaultValue = "8")
  int batch;

  @Option(names = "--seq", defaultValue = "128")
  int seq;

  @Option(names = "--iterations", defaultValue = "3")
  int iterations;

  @Option(names = "--lora-rank", defaultValue = "8")
  int rank;

  @Option(names = "--skip-synthetic", description = "only the --model")
  boolean skipSynthetic;

  @Option(
      names = "--decode-batch-sizes",
      split = ",",
      defaultValue = "1,4,16",
      description =
          "continuous batching decode of the --model (a chat model directory) at these batch sizes")
  int[] decodeBatchSizes;

  @Option(names = "--decode-tokens", defaultValue = "32", description = "tokens per decoded row")
  int decodeTokens;

  @Option(names = "--decode-only", description = "only the --model's batched decode")
  boolean decodeOnly;

  @Override
  public Integer call() throws Exception {
    Device dev = modelOptions.device();
    Path model = modelOptions.model();
    Engine engine = Engine.getInstance();
    System.out.printf(
        "engine %s %s, device %s, %d available processors%n",
        engine.getEngineName(),
        engine.getVersion(),
        dev,
        Runtime.getRuntime().availableProcessors());
    double peak = Flops.matmulPeakGflops(dev);
    System.out.printf("float32 matmul peak (1024x1024x1024): %.1f GFLOP/s%n%n", peak);
    if (!skipSynthetic && !decodeOnly) {
      // ~10M parameters: d=256, 10 layers, vocab 4096, GQA 8 query / 4 kv heads
      ModelConfig c = ModelConfig.llama(4096, 256, 688, 10, 8, 4);
      try (CausalLM lm = CausalLM.random(c, dev, DataType.FLOAT32, modelOptions.seed())) {
        run("llama-10M (random weights)", lm, peak);
      }
    }
    if (model != null && !decodeOnly) {
      try (CausalLM lm = CausalLM.load(model, dev, DataType.FLOAT32)) {
        run(model.toString(), lm, peak);
      }
    }
    if (model != null && decodeBatchSizes.length > 0) {
      try (LanguageModel lm = LanguageModel.load(model, dev, DataType.FLOAT32)) {
        System.out.printf(
            "%s: raw continuous batching decode, %d tokens per row, sampled%n",
            model, decodeTokens);
        RawDecodeBench bench = new RawDecodeBench(lm);
        for (int size : decodeBatchSizes) {
          RawDecodeBench.Result r = bench.run(size, decodeTokens);
          System.out.printf(
              "  batch %3d: %6d tokens in %7.3f s  %9.1f tokens/s%n",
              size, r.tokens(), r.seconds(), r.tokensPerSecond());
        }
      }
    }
    return 0;
  }

  private void run(String name, CausalLM lm, double peak) {
    ModelConfig c = lm.config();
    long tokens = (long) batch * seq;
    double flops = Flops.forward(c, batch, seq);
    System.out.printf(
        "%s: %s, %.1fM parameters, batch %dx%d%n",
        name, c.architecture(), c.parameterCount() / 1e6, batch, seq);
    System.out.printf(
        "  forward FLOPs per batch %.1f G (matmuls: projections, attention, lm_head)%n",
        flops / 1e9);

    Random rnd = new Random(modelOptions.seed());
    long[] ids = new long[(int) tokens];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = rnd.nextInt(c.vocabSize());
    }
    List<CausalLM.Sequence> seqs = new ArrayList<>();
    for (int b = 0; b < batch; b++) {
      long[] p = new long[seq / 4];
      long[] comp = new long[seq - seq / 4];
      System.arraycopy(ids, b * seq, p, 0, p.length);
      System.arraycopy(ids, b * seq + p.length, comp, 0, comp.length);
      seqs.add(new CausalLM.Sequence(p, comp));
    }

    double fwd =
        time(
            () -> {
              try (NoGrad ignored = NoGrad.enter();
                  NDManager m = lm.manager().newSubManager()) {
                NDArray logits =
                    lm.forward(
                        m.create(ids, new Shape(batch, seq)),
                        m.arange(0, seq)
                            .toType(DataType.INT64, false)
                            .reshape(1, seq)
                            .repeat(0, batch),
                        m.ones(new Shape(batch, seq)),
                        null,
                        null,
                        false);
                logits.getFloat(0, 0, 0);
              }
            });
    report("forward", tokens, flops, fwd, peak);

    try (LoraAdapter lora =
        LoraAdapter.create(
                c,
                LoraConfig.of(rank, 2 * rank, 0, Weights.PROJECTIONS),
                lm.manager(),
                DataType.FLOAT32,
                modelOptions.seed())
            .trainable(true)) {
      double fb =
          time(
              () -> {
                try (NDManager m = lm.manager().newSubManager()) {
                  lora.zeroGradients();
                  try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(lm.logProbs(m, seqs, lora, true).sum().sum().neg());
                  }
                }
              });
      // backward computes activation gradients through every matmul (as many FLOPs again
      // as the forward) but no base-weight gradients; LoRA's own FLOPs are negligible at small r
      report(
          "forward+backward (LoRA r=" + rank + " on all 7 projections)",
          tokens,
          2 * flops,
          fb,
          peak);
    }
    System.out.println();
  }

  private static void report(String what, long tokens, double flops, double seconds, double peak) {
    double gflops = flops / seconds / 1e9;
    System.out.printf(
        "  %-52s %8.3f s  %9.0f tokens/s  %7.1f GFLOP/s  %5.1f%% of peak%n",
        what, seconds, tokens / seconds, gflops, 100 * gflops / peak);
  }

  /** Median seconds of {@code iterations} runs after one warm-up. */
  private double time(Runnable r) {
    r.run();
    double[] t = new double[iterations];
    for (int i = 0; i < iterations; i++) {
      long t0 = System.nanoTime();
      r.run();
      t[i] = (System.nanoTime() - t0) / 1e9;
    }
    java.util.Arrays.sort(t);
    return t[iterations / 2];
  }
}
