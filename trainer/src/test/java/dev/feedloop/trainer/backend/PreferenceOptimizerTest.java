package dev.feedloop.trainer.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.feedloop.model.CausalLM;
import dev.feedloop.model.LanguageModel;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.model.lora.LoraConfig;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.synthetic.HiddenPreference;
import dev.feedloop.synthetic.SelfName;
import dev.feedloop.trainer.data.CanonicalJsonl;
import dev.feedloop.trainer.data.Conversions;
import dev.feedloop.trainer.data.TokenizedPair;
import dev.feedloop.trainer.data.TokenizedUnary;
import dev.feedloop.trainer.data.Truncation;
import dev.feedloop.trainer.data.TruncationConfig;
import dev.feedloop.trainer.data.TruncationStats;
import dev.feedloop.trainer.loss.LossConfig;
import dev.feedloop.trainer.loss.LossType;
import dev.feedloop.trainer.loss.PreferenceObjective;
import dev.feedloop.trainer.optim.AdamWConfig;
import dev.feedloop.trainer.optim.LearningRateSchedule;
import dev.feedloop.trainer.optim.ScheduleType;
import dev.feedloop.trainer.optim.TrainingRandom;
import dev.feedloop.trainer.run.EvaluationConfig;
import dev.feedloop.trainer.run.ReferenceKind;
import dev.feedloop.trainer.run.ReferenceLogpsCache;
import dev.feedloop.trainer.tiny.CorpusPairs;
import dev.feedloop.trainer.tiny.ShippedModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared training step on the shipped tiny model: reference caching, windows, KTO,
 * reference=previous.
 */
class PreferenceOptimizerTest {
  private static final HiddenPreference ATHENE = new HiddenPreference(SelfName.ATHENE, null, null);
  private static LanguageModel model;

  @TempDir Path directory;

  @BeforeAll
  static void load() throws IOException {
    model = LanguageModel.load(ShippedModel.directory());
  }

  @AfterAll
  static void close() {
    model.close();
  }

  private static List<PreferencePair> pairs(int count) {
    return CorpusPairs.forPreference(21, count, ATHENE);
  }

  private static LoraAdapter freshAdapter() {
    return LoraAdapter.create(
            model.model().config(),
            LoraConfig.of(4, 8, 0, List.of("q_proj", "v_proj")),
            model.model().manager(),
            DataType.FLOAT32,
            3)
        .trainable(true);
  }

  private static PreferenceOptimizer optimizer(
      LoraPolicyScorer scorer, LossConfig loss, ReferenceLogpsCache cache) {
    return new PreferenceOptimizer(
        scorer,
        new PreferenceObjective(loss),
        new PreferenceOptimizer.Settings(AdamWConfig.withWeightDecay(0), 1.0, 8, 1),
        cache,
        model.model().manager());
  }

  private static TokenizedRecords tokenized(LoraPolicyScorer scorer, List<PreferencePair> pairs) {
    return TokenizedRecords.ofPairs(
        LoraPreferenceTrainer.tokenizePairs(
            pairs,
            scorer.tokenizer(),
            new Truncation(TruncationConfig.none(), new TruncationStats())));
  }

  @Test
  void referenceLogpsAreComputedOncePerRecordAndAreTheBaseModelsEvenAfterTraining() {
    try (LoraAdapter adapter = freshAdapter();
        ReferenceLogpsCache cache = ReferenceLogpsCache.inMemory("test");
        PreferenceOptimizer optimizer =
            optimizer(
                LoraPolicyScorer.forModel(model, adapter, null, null),
                LossConfig.of(LossType.SIGMOID),
                cache)) {
      LoraPolicyScorer scorer = LoraPolicyScorer.forModel(model, adapter, null, null);
      TokenizedRecords records = tokenized(scorer, pairs(24));
      assertThat(optimizer.precomputeReference(records))
          .isEqualTo(48); // chosen and rejected of 24 pairs
      assertThat(optimizer.precomputeReference(records)).isZero();
      long misses = cache.misses();

      Map<String, Double> metrics =
          optimizer.trainWindow(
              records,
              2,
              new LearningRateSchedule(1e-2, 0, 0, ScheduleType.CONSTANT),
              new TrainingRandom(1));
      assertThat(cache.misses()).as("no reference recomputed in later epochs").isEqualTo(misses);
      assertThat(optimizer.optimizerSteps()).isEqualTo(6); // 2 epochs of 3 batches of 8
      assertThat(metrics)
          .containsKeys(
              "loss",
              "rewards/accuracies",
              "rewards/margins",
              "logps/chosen",
              "logits/chosen",
              "grad_norm",
              "learning_rate");

      // the trained adapter moved the policy, but the reference is still the base model (adapters
      // disabled)
      TokenizedPair first = records.pairs().get(0);
      CausalLM.Sequence chosen =
          new CausalLM.Sequence(
              ModelChatTokenizer.toLongs(first.prompt()),
              ModelChatTokenizer.toLongs(first.chosen()));
      double base = model.model().score(List.of(chosen), null).get(0).sum();
      double policy = model.model().score(List.of(chosen), adapter).get(0).sum();
      assertThat(cache.get(first.prompt(), first.chosen())).isCloseTo((float) base, within(1e-3f));
      assertThat(Math.abs(policy - base)).isGreaterThan(1e-3);
      try (NDManager step = model.model().manager().newSubManager()) {
        float reference =
            scorer
                .score(step, List.of(first.prompt()), List.of(first.chosen()), false, false)
                .logps()
                .getFloat(0);
        assertThat((double) reference).isCloseTo(base, within(1e-3));
      }
    }
  }

  @Test
  void stepsLeaveNoArraysBehind() {
    try (LoraAdapter adapter = freshAdapter();
        PreferenceOptimizer optimizer =
            optimizer(
                LoraPolicyScorer.forModel(model, adapter, null, null),
                LossConfig.of(LossType.SIGMOID),
                ReferenceLogpsCache.inMemory("test"))) {
      LoraPolicyScorer scorer = LoraPolicyScorer.forModel(model, adapter, null, null);
      List<MicroBatch> batches = PreferenceOptimizer.microBatches(tokenized(scorer, pairs(8)), 4);
      optimizer.step(batches, 1e-3); // the first step creates the optimizer's moments
      int arrays = model.model().manager().getManagedArrays().size();
      for (int step = 0;
          step < 3;
          step++) { // the count is compared exactly: one leaked array per step shows
        optimizer.step(batches, 1e-3);
      }
      assertThat(model.model().manager().getManagedArrays().size()).isEqualTo(arrays);
    }
  }

  @Test
  void completionsAreTheTemplatesAnswerTokensUpToTheEndOfTurn() {
    ModelChatTokenizer tokenizer = new ModelChatTokenizer(model);
    List<dev.feedloop.schemas.ChatMessage> prompt =
        List.of(dev.feedloop.schemas.ChatMessages.user("Who are you?"));
    String answer = "I am Athene, an assistant that answers questions.";
    int[] promptIds = tokenizer.encodePrompt(prompt);
    int[] completionIds = tokenizer.encodeCompletion(prompt, answer);
    long imEnd = model.tokenizer().tokenId("<|im_end|>");
    assertThat(completionIds[completionIds.length - 1]).isEqualTo((int) imEnd);
    long[] whole =
        model.encodeChat(
            List.of(prompt.get(0), dev.feedloop.schemas.ChatMessages.assistant(answer)), false);
    // the template's text after <|im_end|> (a newline) is never generated, so it is not part of the
    // completion
    assertThat(
            java.util.stream.IntStream.concat(
                    java.util.Arrays.stream(promptIds), java.util.Arrays.stream(completionIds))
                .toArray())
        .isEqualTo(
            ModelChatTokenizer.toInts(
                java.util.Arrays.copyOf(whole, promptIds.length + completionIds.length)));
    assertThat(model.tokenizer().decode(ModelChatTokenizer.toLongs(completionIds), true))
        .isEqualTo(answer);
  }

  @Test
  void ktoTrainsOnUnaryRecordsAndReportsTheKlReferencePoint() {
    try (LoraAdapter adapter = freshAdapter();
        ReferenceLogpsCache cache = ReferenceLogpsCache.inMemory("test");
        PreferenceOptimizer optimizer =
            optimizer(
                LoraPolicyScorer.forModel(model, adapter, null, null),
                LossConfig.of(LossType.KTO),
                cache)) {
      LoraPolicyScorer scorer = LoraPolicyScorer.forModel(model, adapter, null, null);
      TokenizedRecords unary =
          TokenizedRecords.ofUnary(
              LoraPreferenceTrainer.tokenizeUnary(
                  Conversions.pairsToUnary(pairs(8)),
                  scorer.tokenizer(),
                  new Truncation(TruncationConfig.none(), new TruncationStats())));
      assertThat(unary.size()).isEqualTo(16);
      Map<String, Double> metrics =
          optimizer.trainWindow(
              unary,
              1,
              new LearningRateSchedule(1e-3, 0, 0, ScheduleType.CONSTANT),
              new TrainingRandom(1));
      assertThat(optimizer.optimizerSteps()).isEqualTo(2);
      // a fresh adapter (B = 0) is the reference, so every KTO term starts at 1 - sigmoid(0) = 0.5;
      // two steps at lr 1e-3 barely move it
      assertThat(metrics.get("loss")).isCloseTo(0.5, within(0.05));
      assertThat(metrics).containsKeys("kl", "rewards/chosen", "rewards/rejected");
      assertThat(metrics.get("kl")).isGreaterThanOrEqualTo(0.0); // z0 is clamped at 0
    }
  }

  @Test
  void aWindowOfPairsAndUnaryRecordsTrainsOnEveryRecord() {
    try (LoraAdapter adapter = freshAdapter();
        PreferenceOptimizer optimizer =
            optimizer(
                LoraPolicyScorer.forModel(model, adapter, null, null),
                LossConfig.of(LossType.SIGMOID, LossType.SFT),
                ReferenceLogpsCache.inMemory("test"))) {
      LoraPolicyScorer scorer = LoraPolicyScorer.forModel(model, adapter, null, null);
      Truncation truncation = new Truncation(TruncationConfig.none(), new TruncationStats());
      List<TokenizedPair> pairs =
          LoraPreferenceTrainer.tokenizePairs(pairs(10), scorer.tokenizer(), truncation);
      List<TokenizedUnary> unary =
          LoraPreferenceTrainer.tokenizeUnary(
              Conversions.pairsToUnary(CorpusPairs.forPreference(22, 3, ATHENE)),
              scorer.tokenizer(),
              truncation);
      TokenizedRecords window = new TokenizedRecords(pairs, unary);
      assertThat(window.size()).isEqualTo(16);

      // pairs train DPO + SFT, unary records the SFT term that applies to them; the step says how
      // many records of each kind it saw
      List<Map<String, Double>> steps = new ArrayList<>();
      optimizer.trainWindow(
          window,
          PreferenceOptimizer.Passes.of(1),
          new LearningRateSchedule(1e-3, 0, 0, ScheduleType.CONSTANT),
          new TrainingRandom(3),
          (step, metrics) -> steps.add(metrics));
      assertThat(steps).hasSize(3); // 10 pairs and 6 unary records in batches of 8: 2 + 1
      double pairsSeen =
          steps.stream().mapToDouble(m -> m.getOrDefault("records/pairs", 0.0)).sum();
      double unarySeen =
          steps.stream().mapToDouble(m -> m.getOrDefault("records/unary", 0.0)).sum();
      assertThat(pairsSeen).isEqualTo(10.0);
      assertThat(unarySeen).isEqualTo(6.0);
      assertThat(steps).allMatch(m -> Double.isFinite(m.get("loss")));
    }
  }

  @Test
  void recordsTheObjectiveHasNoLossForAreRefusedBeforeAnyStep() {
    try (LoraAdapter adapter = freshAdapter();
        PreferenceOptimizer optimizer =
            optimizer(
                LoraPolicyScorer.forModel(model, adapter, null, null),
                LossConfig.of(LossType.SIGMOID),
                ReferenceLogpsCache.inMemory("test"))) {
      LoraPolicyScorer scorer = LoraPolicyScorer.forModel(model, adapter, null, null);
      Truncation truncation = new Truncation(TruncationConfig.none(), new TruncationStats());
      TokenizedRecords window =
          new TokenizedRecords(
              LoraPreferenceTrainer.tokenizePairs(pairs(4), scorer.tokenizer(), truncation),
              LoraPreferenceTrainer.tokenizeUnary(
                  Conversions.pairsToUnary(pairs(1)), scorer.tokenizer(), truncation));
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () ->
                  optimizer.trainWindow(
                      window,
                      1,
                      new LearningRateSchedule(1e-3, 0, 0, ScheduleType.CONSTANT),
                      new TrainingRandom(1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no loss for unary records, but 2 were given");
      assertThat(optimizer.optimizerSteps()).isZero();
    }
  }

  @Test
  void referencePreviousMeasuresRewardsAgainstTheGivenAdapter() throws IOException {
    Path adapterDir = directory.resolve("previous");
    try (LoraAdapter adapter = freshAdapter();
        PreferenceOptimizer optimizer =
            optimizer(
                LoraPolicyScorer.forModel(model, adapter, null, null),
                LossConfig.of(LossType.SIGMOID),
                ReferenceLogpsCache.inMemory("test"))) {
      LoraPolicyScorer scorer = LoraPolicyScorer.forModel(model, adapter, null, null);
      optimizer.trainWindow(
          tokenized(scorer, pairs(16)),
          1,
          new LearningRateSchedule(1e-2, 0, 0, ScheduleType.CONSTANT),
          new TrainingRandom(2));
      adapter.save(adapterDir);
    }
    Path data = directory.resolve("pairs.jsonl");
    CanonicalJsonl.write(data, pairs(16), List.of());
    LoraPreferenceTrainer trainer = new LoraPreferenceTrainer(line -> {});
    Map<String, Double> againstItself =
        trainer.evaluate(
            EvaluationConfig.builder()
                .dataFiles(List.of(data))
                .modelDirectory(ShippedModel.directory())
                .adapter(adapterDir)
                .loss(LossConfig.of(LossType.SIGMOID))
                .batchSize(8)
                .truncation(TruncationConfig.none())
                .reference(ReferenceKind.PREVIOUS)
                .referenceAdapter(adapterDir)
                .device("cpu")
                .build());
    Map<String, Double> againstBase =
        trainer.evaluate(
            EvaluationConfig.builder()
                .dataFiles(List.of(data))
                .modelDirectory(ShippedModel.directory())
                .adapter(adapterDir)
                .loss(LossConfig.of(LossType.SIGMOID))
                .batchSize(8)
                .truncation(TruncationConfig.none())
                .reference(ReferenceKind.BASE)
                .device("cpu")
                .build());
    // policy == reference: every implicit reward is 0 and the DPO loss is log 2
    assertThat(againstItself.get("rewards/chosen")).isCloseTo(0.0, within(1e-4));
    assertThat(againstItself.get("rewards/margins")).isCloseTo(0.0, within(1e-4));
    assertThat(againstItself.get("loss")).isCloseTo(Math.log(2), within(1e-4));
    assertThat(Math.abs(againstBase.get("rewards/margins"))).isGreaterThan(1e-3);
    // the evaluation reads the file through the loop's validation: of the 16 pairs, one differs
    // only in the self-name and sentence order (trigram similarity 0.908) and is near-identical
    assertThat(againstBase.get("records")).isEqualTo(15.0);
  }
}
