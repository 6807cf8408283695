package dev.feedloop.trainer.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import dev.feedloop.model.CausalLM;
import dev.feedloop.model.LanguageModel;
import dev.feedloop.model.ModelConfig;
import dev.feedloop.model.Weights;
import dev.feedloop.model.bench.Flops;
import dev.feedloop.model.cli.ModelOptions;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.model.lora.LoraConfig;
import dev.feedloop.synthetic.HiddenPreference;
import dev.feedloop.trainer.backend.LoraPolicyScorer;
import dev.feedloop.trainer.backend.LoraPreferenceTrainer;
import dev.feedloop.trainer.backend.MicroBatch;
import dev.feedloop.trainer.backend.PreferenceOptimizer;
import dev.feedloop.trainer.backend.TokenizedRecords;
import dev.feedloop.trainer.data.TokenizedPair;
import dev.feedloop.trainer.data.Truncation;
import dev.feedloop.trainer.data.TruncationConfig;
import dev.feedloop.trainer.data.TruncationStats;
import dev.feedloop.trainer.loss.LossConfig;
import dev.feedloop.trainer.loss.LossType;
import dev.feedloop.trainer.loss.PreferenceObjective;
import dev.feedloop.trainer.optim.AdamWConfig;
import dev.feedloop.trainer.run.ReferenceLogpsCache;
import dev.feedloop.trainer.tiny.CorpusPairs;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * DPO training throughput (pairs/s, tokens/s) and achieved GFLOP/s against a float32 matmul peak
 * measured in the same run, with reference log-probs cached (read from memory) and computed in
 * every step (one more forward of both answers).
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    modelTransformer = ModelOptions.ModelOptional.class,
    description =
        "DPO training throughput with and without cached reference log-probs, against a matmul peak measured in the same run.")
final class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  /** --model: also benchmark this directory on synthetic-corpus pairs (e.g. models/tiny-chat). */
  @Mixin ModelOptions modelOptions;

  @Option(
      names = "--batch-size",
      defaultValue = "8",
      description = "Pairs per optimizer step (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--steps",
      defaultValue = "5",
      description =
          "Timed optimizer steps per mode, after one warm-up step (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--lora-rank", defaultValue = "8", description = "(default: ${DEFAULT-VALUE})")
  int rank;

  @Option(
      names = "--skip-synthetic",
      description = "Only the --model, not the ~10M-parameter random-weight Llama.")
  boolean skipSynthetic;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Device dev = modelOptions.device();
    Path model = modelOptions.model();
    Engine engine = Engine.getInstance();
    out.printf(
        "engine %s %s, device %s, %d available processors%n",
        engine.getEngineName(),
        engine.getVersion(),
        dev,
        Runtime.getRuntime().availableProcessors());
    double peak = Flops.matmulPeakGflops(dev);
    out.printf("float32 matmul peak (1024x1024x1024): %.1f GFLOP/s%n", peak);
    out.printf(
        "DPO (sigmoid, beta 0.1), LoRA r=%d on q,k,v,o, AdamW, %d pairs per step, %d timed steps per mode%n%n",
        rank, batchSize, steps);
    if (model != null) {
      try (LanguageModel lm = LanguageModel.load(model, dev, DataType.FLOAT32)) {
        List<TokenizedPair> pairs = tinyCorpusPairs(lm);
        run(out, model.toString(), lm.model(), pairs, peak);
      }
    }
    if (!skipSynthetic) {
      // the model benchmark's ~10M-parameter config: d=256, 10 layers, 8 query / 4 kv heads, vocab
      // 4096
      ModelConfig config = ModelConfig.llama(4096, 256, 688, 10, 8, 4);
      try (CausalLM lm = CausalLM.random(config, dev, DataType.FLOAT32, modelOptions.seed())) {
        run(
            out,
            "llama-10M (random weights; prompt 32 + answers 96 tokens)",
            lm,
            randomPairs(config.vocabSize()),
            peak);
      }
    }
    out.flush();
    return 0;
  }

  private List<TokenizedPair> tinyCorpusPairs(LanguageModel lm) {
    var pairs = CorpusPairs.forPreference(1, batchSize * (steps + 1), HiddenPreference.demo());
    LoraPolicyScorer tokenizing =
        LoraPolicyScorer.forModel(
            lm,
            LoraAdapter.create(
                lm.model().config(),
                LoraConfig.of(1, 1, 0, List.of("q_proj")),
                lm.model().manager(),
                DataType.FLOAT32,
                0),
            null,
            null);
    return LoraPreferenceTrainer.tokenizePairs(
        pairs,
        tokenizing.tokenizer(),
        new Truncation(TruncationConfig.none(), new TruncationStats()));
  }

  private List<TokenizedPair> randomPairs(int vocabulary) {
    Random random = new Random(modelOptions.seed());
    List<TokenizedPair> pairs = new ArrayList<>();
    for (int i = 0; i < batchSize * (steps + 1); i++) {
      pairs.add(
          new TokenizedPair(
              random.ints(32, 0, vocabulary).toArray(),
              random.ints(96, 0, vocabulary).toArray(),
              random.ints(96, 0, vocabulary).toArray(),
              1.0));
    }
    return pairs;
  }

  private void run(
      PrintWriter out, String name, CausalLM lm, List<TokenizedPair> pairs, double peak) {
    ModelConfig c = lm.config();
    out.printf("%s: %.2fM parameters%n", name, c.parameterCount() / 1e6);
    for (boolean cached : new boolean[] {true, false}) {
      LossConfig loss = LossConfig.of(LossType.SIGMOID);
      try (LoraAdapter adapter =
              LoraAdapter.create(
                      c,
                      LoraConfig.of(rank, 2 * rank, 0, Weights.PROJECTIONS.subList(0, 4)),
                      lm.manager(),
                      DataType.FLOAT32,
                      1)
                  .trainable(true);
          ReferenceLogpsCache cache = cached ? ReferenceLogpsCache.inMemory("bench") : null;
          PreferenceOptimizer optimizer =
              new PreferenceOptimizer(
                  new LoraPolicyScorer(lm, null, adapter, null, "bench"),
                  new PreferenceObjective(loss),
                  new PreferenceOptimizer.Settings(
                      AdamWConfig.withWeightDecay(0), 1.0, batchSize, 1),
                  cache,
                  lm.manager())) {
        List<MicroBatch> batches =
            PreferenceOptimizer.microBatches(TokenizedRecords.ofPairs(pairs), batchSize);
        if (cached) {
          optimizer.precomputeReference(
              TokenizedRecords.ofPairs(pairs)); // done once per record, before training
        }
        optimizer.step(List.of(batches.get(0)), 1e-4); // warm-up
        long timedPairs = 0;
        long tokens = 0;
        double flops = 0;
        long started = System.nanoTime();
        for (int s = 1; s <= steps; s++) {
          MicroBatch batch = batches.get(s);
          optimizer.step(List.of(batch), 1e-4);
          timedPairs += batch.size();
          tokens += batch.records().tokens();
          // policy forward+backward over 2B padded sequences counts twice the forward (activation
          // gradients,
          // no base-weight gradients); an uncached reference adds one forward
          double forward =
              Flops.forward(c, 2 * batch.size(), paddedLength(batch.records().pairs()) - 1);
          flops += (cached ? 2 : 3) * forward;
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        double gflops = flops / seconds / 1e9;
        out.printf(
            "  %-38s %6.2f pairs/s  %8.0f tokens/s  %6.1f GFLOP/s  %5.1f%% of peak  (%.2f s/step)%n",
            cached ? "reference log-probs cached" : "reference computed every step",
            timedPairs / seconds,
            tokens / seconds,
            gflops,
            100 * gflops / peak,
            seconds / steps);
      }
    }
    out.println();
  }

  private static int paddedLength(List<TokenizedPair> batch) {
    int longest = 0;
    for (TokenizedPair pair : batch) {
      longest =
          Math.max(
              longest,
              pair.prompt().length + Math.max(pair.chosen().length, pair.rejected().length));
    }
    return longest;
  }
}
