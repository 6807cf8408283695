package dev.feedloop.trainer.backend;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.DataType;
import dev.feedloop.model.LanguageModel;
import dev.feedloop.model.SamplingParams;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.model.lora.LoraConfig;
import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.synthetic.HiddenPreference;
import dev.feedloop.synthetic.SelfName;
import dev.feedloop.synthetic.StyleShares;
import dev.feedloop.synthetic.SyntheticChatCorpus;
import dev.feedloop.trainer.data.CanonicalJsonl;
import dev.feedloop.trainer.data.TruncationConfig;
import dev.feedloop.trainer.data.TruncationMode;
import dev.feedloop.trainer.loss.LossConfig;
import dev.feedloop.trainer.loss.LossTerm;
import dev.feedloop.trainer.loss.LossType;
import dev.feedloop.trainer.optim.AdamWConfig;
import dev.feedloop.trainer.optim.ScheduleType;
import dev.feedloop.trainer.run.MetricsJsonl;
import dev.feedloop.trainer.run.ReferenceKind;
import dev.feedloop.trainer.run.StepMetrics;
import dev.feedloop.trainer.run.TrainingConfig;
import dev.feedloop.trainer.run.TrainingSummary;
import dev.feedloop.trainer.tiny.CorpusPairs;
import dev.feedloop.trainer.tiny.ShippedModel;
import dev.feedloop.trainer.tiny.StyleSurvey;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4's end-to-end check: DPO on the shipped tiny model with pairs whose chosen answer has the
 * hidden style (the assistant calls itself Athene) and whose rejected answer has not. Held-out
 * accuracy must rise well above chance and greedy and sampled answers must move toward the style.
 *
 * <p>The objective is DPO plus the NLL of the chosen answers (weight 1: RPO, TRL's rpo_alpha). DPO
 * alone moves the style as far (greedy Athene share 100%) but, as it lowers the likelihood of
 * chosen answers too, it costs the 1.9M-parameter model its fluency: only 27-31% of its answers
 * stayed well-formed, against 76-94% with the NLL term.
 */
class DpoOnTinyModelTest {
  private static final HiddenPreference ATHENE = new HiddenPreference(SelfName.ATHENE, null, null);

  @TempDir Path directory;

  @Test
  void dpoRaisesHeldOutAccuracyAndMovesSampledAnswersTowardTheChosenStyle() throws IOException {
    SyntheticChatCorpus corpus = new SyntheticChatCorpus();
    Path data = directory.resolve("pairs.jsonl");
    CanonicalJsonl.write(data, CorpusPairs.forPreference(11, 320, ATHENE), List.of());
    List<List<ChatMessage>> prompts = corpus.evaluationPrompts(5, 64);
    SamplingParams sampling = SamplingParams.sample(96, 1.0, 1.0, 5).withN(2);

    StyleShares before;
    StyleShares greedyBefore;
    try (LanguageModel lm = LanguageModel.load(ShippedModel.directory())) {
      before = StyleSurvey.survey(lm, null, prompts, sampling, ATHENE);
      greedyBefore = StyleSurvey.survey(lm, null, prompts, SamplingParams.greedy(96), ATHENE);
    }

    TrainingConfig config =
        TrainingConfig.builder()
            .dataFiles(List.of(data))
            .modelDirectory(ShippedModel.directory())
            .outputDirectory(directory.resolve("run"))
            .loss(
                new LossConfig(
                    List.of(new LossTerm(LossType.SIGMOID, 1.0), new LossTerm(LossType.SFT, 1.0)),
                    0.1,
                    0,
                    0.5,
                    1,
                    1))
            .learningRate(2e-3)
            .optimizer(AdamWConfig.withWeightDecay(0))
            .warmupSteps(0)
            .warmupRatio(0.1)
            .schedule(ScheduleType.COSINE)
            .epochs(2)
            .maxSteps(0)
            .batchSize(8)
            .gradientAccumulation(1)
            .maxGradNorm(1.0)
            .seed(1)
            .truncation(new TruncationConfig(256, 128, TruncationMode.KEEP_END, false))
            .evalFraction(0.2)
            .evalSteps(0)
            .loggingSteps(4)
            .lora(LoraConfig.of(8, 16, 0, List.of("q_proj", "k_proj", "v_proj", "o_proj")))
            .reference(ReferenceKind.BASE)
            .device("cpu")
            .build();
    TrainingSummary summary = new LoraPreferenceTrainer(line -> {}).train(config);

    assertThat(summary.lastEvalMetrics().get("rewards/accuracies"))
        .as(summary.lastEvalMetrics().toString())
        .isGreaterThanOrEqualTo(0.75);
    assertThat(summary.lastEvalMetrics().get("rewards/margins")).isPositive();
    List<StepMetrics> rows =
        MetricsJsonl.read(directory.resolve("run").resolve(LoraPreferenceTrainer.METRICS_FILE));
    assertThat(rows)
        .anyMatch(
            row ->
                row.split().equals(StepMetrics.TRAIN) && Double.isFinite(row.value("grad_norm")));
    assertThat(rows).anyMatch(row -> row.split().equals(StepMetrics.EVAL));
    assertThat(summary.report()).exists();
    assertThat(summary.report().resolveSibling("accuracies.png")).exists();
    assertThat(summary.adapterDirectory().resolve(LoraAdapter.ADAPTER_CONFIG)).exists();
    assertThat(summary.adapterDirectory().resolve(LoraAdapter.ADAPTER_WEIGHTS)).exists();

    StyleShares after;
    StyleShares greedyAfter;
    try (LanguageModel lm = LanguageModel.load(ShippedModel.directory());
        LoraAdapter adapter =
            LoraAdapter.load(
                summary.adapterDirectory(),
                lm.model().config(),
                lm.model().manager(),
                DataType.FLOAT32)) {
      after = StyleSurvey.survey(lm, adapter, prompts, sampling, ATHENE);
      greedyAfter = StyleSurvey.survey(lm, adapter, prompts, SamplingParams.greedy(96), ATHENE);
    }
    String shares =
        "sampled before: "
            + before
            + "\nsampled after: "
            + after
            + "\ngreedy before: "
            + greedyBefore
            + "\ngreedy after: "
            + greedyAfter;
    // measured: greedy 8% -> 100% Athene, sampled 15% -> 59% (20% -> 44% while the candidates of
    // a request shared their random streams)
    assertThat(greedyAfter.athene()).as(shares).isGreaterThanOrEqualTo(greedyBefore.athene() + 0.5);
    assertThat(greedyAfter.wellFormed()).as(shares).isGreaterThanOrEqualTo(0.85);
    assertThat(after.athene()).as(shares).isGreaterThanOrEqualTo(before.athene() + 0.15);
    assertThat(after.wellFormed()).as(shares).isGreaterThanOrEqualTo(0.6);
  }
}
