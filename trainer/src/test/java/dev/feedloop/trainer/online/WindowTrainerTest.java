package dev.feedloop.trainer.online;

import static dev.feedloop.trainer.online.OnlineTestKit.namePairs;
import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.model.LanguageModel;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.HeldRecord;
import dev.feedloop.schemas.PartitionPosition;
import dev.feedloop.schemas.TrainerCheckpoint;
import dev.feedloop.schemas.TrainerState;
import dev.feedloop.trainer.tiny.ShippedModel;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One window at a time, without Kafka: what the online trainer and a replay share. */
class WindowTrainerTest {
  private static LanguageModel model;

  @BeforeAll
  static void load() throws Exception {
    model = LanguageModel.load(ShippedModel.directory());
  }

  @AfterAll
  static void close() {
    model.close();
  }

  private static OnlineSettings.Builder settings() {
    return OnlineSettings.builder()
        .modelDirectory(ShippedModel.directory())
        .windowRecords(16)
        .windowTime(Duration.ofSeconds(10))
        .stepsPerWindow(2)
        .batchSize(4)
        .loraRank(2)
        .loraAlpha(4)
        .loraTargets(List.of("q_proj", "v_proj"))
        .maxLength(64)
        .maxPromptLength(48)
        .holdOutEvery(4)
        .heldOutSize(8)
        .minHeldOutPairs(2)
        .replaySize(32)
        .replayRatio(0.25)
        .maxAccuracyDrop(1.0)
        .maxKl(1000);
  }

  private static Window window(long number, int from) {
    List<HeldRecord> records =
        namePairs(from, 16, "Athene", "Boreas").stream().map(Window::of).toList();
    return new Window(number, records, 16, 0, 0, 0, 1);
  }

  @Test
  void anAcceptedWindowBecomesLiveAndARefusedOneLeavesTheLiveStateAsItWas() {
    OnlineSettings settings = settings().build();
    WindowTrainer trainer = new WindowTrainer(model, settings, TrainerHooks.NONE);
    TrainerSnapshot start = TrainerSnapshot.initial(1, settings, Map.of());

    WindowResult first = trainer.train(start, window(1, 0));
    assertThat(first.outcome()).isEqualTo(WindowResult.ACCEPTED);
    assertThat(first.version()).isEqualTo(1);
    TrainerSnapshot live = first.after();
    assertThat(live.liveVersion()).isEqualTo(1);
    assertThat(live.nextVersion()).isEqualTo(2);
    assertThat(live.liveAdapter()).isEqualTo(first.adapter());
    assertThat(live.optimizerMoments()).isNotNull();
    assertThat(live.adamSteps()).isEqualTo(2);
    assertThat(live.recordsSeen()).isEqualTo(16);
    assertThat(live.heldOut().items()).hasSize(4); // records 4, 8, 12, 16
    assertThat(live.replay().items()).hasSize(12);
    assertThat(first.metrics()).containsEntry("records/held_out", 4.0).containsKey("heldout/kl");

    // the same window from the same state trains the same adapter: a replay is reproducible
    assertThat(trainer.train(start, window(1, 0)).adapter()).isEqualTo(first.adapter());

    WindowTrainer strict =
        new WindowTrainer(model, settings.toBuilder().maxKl(1e-12).build(), TrainerHooks.NONE);
    WindowResult refused = strict.train(live, window(2, 16));
    assertThat(refused.outcome()).isEqualTo(WindowResult.REFUSED);
    assertThat(refused.reason()).isEqualTo(Guardrails.KL_BOUND);
    assertThat(refused.adapter()).isNull();
    TrainerSnapshot after = refused.after();
    assertThat(after.liveVersion()).isEqualTo(1);
    assertThat(after.nextVersion()).isEqualTo(2);
    assertThat(after.liveAdapter()).isEqualTo(live.liveAdapter());
    assertThat(after.optimizerMoments()).isEqualTo(live.optimizerMoments());
    assertThat(after.adamSteps()).isEqualTo(live.adamSteps());
    assertThat(after.optimizerSteps()).isEqualTo(live.optimizerSteps());
    assertThat(after.replay().items()).isEqualTo(live.replay().items());
    // its records were consumed: counted, and its held-out share offered to the reservoir
    assertThat(after.windows()).isEqualTo(2);
    assertThat(after.recordsSeen()).isEqualTo(32);
    assertThat(after.heldOut().seen()).isEqualTo(8);
  }

  @Test
  void ktoTrainsPairsSplitInTwoTogetherWithUnaryRecords() {
    OnlineSettings settings =
        settings().lossTerms(OnlineSettings.lossTerms("kto")).holdOutEvery(0).build();
    List<HeldRecord> records = new java.util.ArrayList<>();
    namePairs(0, 4, "Athene", "Boreas").forEach(pair -> records.add(Window.of(pair)));
    for (int i = 0; i < 4; i++) {
      var pair = OnlineTestKit.namePair(10 + i, "Athene", "Boreas");
      records.add(
          Window.of(
              dev.feedloop.schemas.UnaryFeedback.newBuilder()
                  .setRecordId("vote-" + i)
                  .setPromptHash(pair.getPromptHash())
                  .setModelId(OnlineTestKit.MODEL)
                  .setPrompt(pair.getPrompt())
                  .setCompletion(i % 2 == 0 ? pair.getChosen() : pair.getRejected())
                  .setDesirable(i % 2 == 0)
                  .setCreatedAt(pair.getCreatedAt())
                  .build()));
    }
    WindowResult result =
        new WindowTrainer(model, settings, TrainerHooks.NONE)
            .train(
                TrainerSnapshot.initial(1, settings, Map.of()),
                new Window(1, records, 8, 0, 0, 0, 1));
    assertThat(result.outcome()).isEqualTo(WindowResult.ACCEPTED);
    // 4 pairs become 8 unary records, beside the 4 unary ones; KTO's own metrics, TRL-named
    assertThat(result.metrics())
        .containsEntry("records/trained", 12.0)
        .containsKeys("kl", "rewards/chosen", "rewards/rejected");
    // nothing held out: the guardrails had nothing to measure
    assertThat(result.metrics()).doesNotContainKey("heldout/kl");
  }

  @Test
  void aSnapshotSurvivesItsCheckpointEncoding() {
    OnlineSettings settings = settings().build();
    TrainerSnapshot trained =
        new WindowTrainer(model, settings, TrainerHooks.NONE)
            .train(TrainerSnapshot.initial(1, settings, Map.of()), window(1, 0))
            .after()
            .withPositions(Map.of(new TopicPartition("preference-pairs", 2), 16L));
    EventSerde<TrainerState> serde = EventSerde.of(TrainerState.class);
    TrainerState decoded =
        serde.deserialize("s", serde.serialize("s", trained.toState(OnlineTestKit.MODEL)));
    TrainerCheckpoint checkpoint =
        TrainerCheckpoint.newBuilder()
            .setModelId(OnlineTestKit.MODEL)
            .setRunId("run")
            .setWindow(trained.windows())
            .setLiveVersion(trained.liveVersion())
            .setNextVersion(trained.nextVersion())
            .setPositions(
                List.of(
                    PartitionPosition.newBuilder()
                        .setTopic("preference-pairs")
                        .setPartition(2)
                        .setOffset(16)
                        .build()))
            .setStateTopic("trainer-state-chunks")
            .setStatePartition(0)
            .setChunkOffsets(List.of(0L))
            .setSizeBytes(0)
            .setChecksum("")
            .setCreatedAt(Instant.EPOCH)
            .build();
    TrainerSnapshot restored = TrainerSnapshot.restore(checkpoint, decoded, settings);
    assertThat(restored.liveAdapter()).isEqualTo(trained.liveAdapter());
    assertThat(restored.optimizerMoments()).isEqualTo(trained.optimizerMoments());
    assertThat(restored.adamSteps()).isEqualTo(trained.adamSteps());
    assertThat(restored.optimizerSteps()).isEqualTo(trained.optimizerSteps());
    assertThat(restored.recordsSeen()).isEqualTo(trained.recordsSeen());
    assertThat(restored.heldOut().items()).isEqualTo(trained.heldOut().items());
    assertThat(restored.heldOut().seen()).isEqualTo(trained.heldOut().seen());
    assertThat(restored.replay().items()).isEqualTo(trained.replay().items());
    assertThat(restored.positions()).isEqualTo(trained.positions());
    assertThat(restored.liveVersion()).isEqualTo(1);
    assertThat(restored.nextVersion()).isEqualTo(2);
  }
}
