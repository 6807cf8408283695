package dev.feedloop.trainer.tiny;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.feedloop.model.CausalLM;
import dev.feedloop.model.LanguageModel;
import dev.feedloop.model.ModelConfig;
import dev.feedloop.synthetic.ChatExample;
import dev.feedloop.synthetic.SyntheticChatCorpus;
import dev.feedloop.trainer.optim.AdamW;
import dev.feedloop.trainer.optim.AdamWConfig;
import dev.feedloop.trainer.optim.Gradients;
import dev.feedloop.trainer.optim.LearningRateSchedule;
import dev.feedloop.trainer.optim.ScheduleType;
import dev.feedloop.trainer.optim.TrainingRandom;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Trains the shipped tiny chat model from scratch: generates the synthetic corpus, fits the
 * byte-level BPE tokenizer, initialises a small Llama and minimises next-token cross-entropy on the
 * assistant tokens only (prompt tokens are context, never targets), then writes a standard Hugging
 * Face model directory. Everything derives from the seed.
 */
public final class TinyModelTrainer {

  /** The recipe; {@link #shipped()} is what produced {@code models/tiny-chat}. */
  public record Recipe(
      long seed,
      int conversations,
      int vocabSize,
      int hiddenSize,
      int intermediateSize,
      int layers,
      int heads,
      int kvHeads,
      int steps,
      int batchSize,
      double learningRate,
      int warmupSteps,
      String weightDtype) {
    public static Recipe shipped() {
      return new Recipe(7, 40_000, 1280, 192, 512, 4, 4, 2, 1800, 32, 3e-3, 100, "F16");
    }

    /**
     * The seed of the recipe's corpus: {@code tiny-data --seed <corpusSeed> --conversations
     * <conversations> --vocab-size <vocabSize>} writes the corpus and tokenizer this recipe trains
     * on.
     */
    public long corpusSeed() {
      return new TrainingRandom(seed).derive("corpus");
    }

    public Recipe withSeed(long newSeed) {
      return new Recipe(
          newSeed,
          conversations,
          vocabSize,
          hiddenSize,
          intermediateSize,
          layers,
          heads,
          kvHeads,
          steps,
          batchSize,
          learningRate,
          warmupSteps,
          weightDtype);
    }

    public Recipe withSteps(int newSteps) {
      return new Recipe(
          seed,
          conversations,
          vocabSize,
          hiddenSize,
          intermediateSize,
          layers,
          heads,
          kvHeads,
          newSteps,
          batchSize,
          learningRate,
          Math.min(warmupSteps, newSteps / 2),
          weightDtype);
    }
  }

  /** What a run reports: the mean loss of the last 50 steps, and the model's parameter count. */
  public record Result(
      Path directory, double finalLoss, long parameters, int vocabulary, double seconds) {}

  private TinyModelTrainer() {}

  public static Result train(Recipe recipe, Path output, Consumer<String> log) throws IOException {
    long started = System.nanoTime();
    TrainingRandom random = new TrainingRandom(recipe.seed());
    List<ChatExample> corpus =
        new SyntheticChatCorpus().generate(recipe.corpusSeed(), recipe.conversations());
    Files.createDirectories(output);
    int vocabulary =
        TinyTokenizerWriter.trainAndWrite(
            corpus.stream().map(example -> ChatMl.render(example.messages(), false)).toList(),
            recipe.vocabSize(),
            output);
    int imEnd =
        vocabulary
            - 1; // special tokens follow the learned ones: <|endoftext|>, <|im_start|>, <|im_end|>
    int endOfText = vocabulary - 3;
    ModelConfig config =
        ModelConfig.builder()
            .vocabSize(vocabulary)
            .hiddenSize(recipe.hiddenSize())
            .intermediateSize(recipe.intermediateSize())
            .numLayers(recipe.layers())
            .numHeads(recipe.heads())
            .numKvHeads(recipe.kvHeads())
            .headDim(recipe.hiddenSize() / recipe.heads())
            .rmsNormEps(1e-5)
            .ropeTheta(10000.0)
            .maxPositionEmbeddings(512)
            .tieWordEmbeddings(true)
            .eosTokenIds(List.of(imEnd, endOfText))
            .build();
    config.write(output.resolve("config.json"));
    writeGenerationConfig(output.resolve("generation_config.json"), imEnd, endOfText);
    // random initial weights on disk, so that the model loads through the same path as any
    // checkpoint
    try (CausalLM initial =
        CausalLM.random(config, ai.djl.Device.cpu(), DataType.FLOAT32, random.derive("init"))) {
      initial.weights().save(config, output.resolve("model.safetensors"), "F32");
    }
    log.accept(
        String.format(
            "corpus %d conversations, vocabulary %d, model %.2fM parameters (%.0f s)",
            corpus.size(),
            vocabulary,
            config.parameterCount() / 1e6,
            (System.nanoTime() - started) / 1e9));

    double finalLoss;
    try (LanguageModel lm = LanguageModel.load(output)) {
      List<CausalLM.Sequence> sequences = new ArrayList<>();
      for (ChatExample example : corpus) {
        sequences.add(lm.tokenize(example.prompt(), example.answer()));
      }
      finalLoss = fit(lm.model(), sequences, recipe, random, log);
      lm.model().weights().save(config, output.resolve("model.safetensors"), recipe.weightDtype());
    }
    return new Result(
        output,
        finalLoss,
        config.parameterCount(),
        vocabulary,
        (System.nanoTime() - started) / 1e9);
  }

  /** Full-parameter SFT; returns the mean loss of the last 50 steps. */
  static double fit(
      CausalLM model,
      List<CausalLM.Sequence> sequences,
      Recipe recipe,
      TrainingRandom random,
      Consumer<String> log) {
    List<NDArray> parameters = new ArrayList<>(model.weights().named(model.config()).values());
    parameters.forEach(parameter -> parameter.setRequiresGradient(true));
    LearningRateSchedule schedule =
        new LearningRateSchedule(
            recipe.learningRate(), recipe.warmupSteps(), recipe.steps(), ScheduleType.COSINE);
    double recentLoss = 0;
    int recentSteps = 0;
    long started = System.nanoTime();
    try (AdamW optimizer = new AdamW(parameters, new AdamWConfig(0.9, 0.98, 1e-8, 0.0))) {
      List<CausalLM.Sequence> order = List.of();
      int cursor = 0;
      int epoch = 0;
      for (int step = 0; step < recipe.steps(); step++) {
        if (cursor + recipe.batchSize() > order.size()) {
          order = random.shuffled(sequences, epoch++);
          cursor = 0;
        }
        List<CausalLM.Sequence> batch = order.subList(cursor, cursor + recipe.batchSize());
        cursor += recipe.batchSize();
        float loss = sftStep(model, batch, parameters);
        Gradients.clipByGlobalNorm(parameters, 1.0);
        optimizer.step(schedule.at(step));
        if (step >= recipe.steps() - 50) {
          recentLoss += loss;
          recentSteps++;
        }
        if (step % 50 == 0 || step == 10 || step == recipe.steps() - 1) {
          log.accept(
              String.format(
                  "step %d/%d loss %.4f lr %.2e (%.0f s)",
                  step + 1,
                  recipe.steps(),
                  loss,
                  schedule.at(step),
                  (System.nanoTime() - started) / 1e9));
        }
      }
    }
    parameters.forEach(parameter -> parameter.setRequiresGradient(false));
    return recentLoss / Math.max(1, recentSteps);
  }

  /**
   * One step of next-token cross-entropy over the completion tokens of a batch: the mean over
   * tokens of -log p(token | everything before it). Leaves the gradients in the parameters; returns
   * the loss.
   */
  static float sftStep(CausalLM model, List<CausalLM.Sequence> batch, List<NDArray> parameters) {
    Gradients.zero(parameters);
    try (NDManager step = model.manager().newSubManager();
        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      CausalLM.LogProbs logProbs = model.logProbs(step, batch, null, true);
      NDArray loss = logProbs.sum().sum().neg().div(logProbs.mask().sum());
      collector.backward(loss);
      return loss.getFloat();
    }
  }

  private static void writeGenerationConfig(Path file, int imEnd, int endOfText)
      throws IOException {
    JsonObject json = new JsonObject();
    JsonArray eos = new JsonArray();
    eos.add(imEnd);
    eos.add(endOfText);
    json.add("eos_token_id", eos);
    json.addProperty("pad_token_id", endOfText);
    json.addProperty("do_sample", true);
    json.addProperty("temperature", 1.0);
    json.addProperty("max_new_tokens", 96);
    Files.writeString(file, new GsonBuilder().setPrettyPrinting().create().toJson(json));
  }
}
