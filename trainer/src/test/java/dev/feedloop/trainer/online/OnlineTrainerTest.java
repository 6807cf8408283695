package dev.feedloop.trainer.online;

import static dev.feedloop.trainer.online.OnlineTestKit.announcements;
import static dev.feedloop.trainer.online.OnlineTestKit.committed;
import static dev.feedloop.trainer.online.OnlineTestKit.covered;
import static dev.feedloop.trainer.online.OnlineTestKit.endOffsets;
import static dev.feedloop.trainer.online.OnlineTestKit.metrics;
import static dev.feedloop.trainer.online.OnlineTestKit.namePairs;
import static dev.feedloop.trainer.online.OnlineTestKit.numberPairs;
import static dev.feedloop.trainer.online.OnlineTestKit.produce;
import static dev.feedloop.trainer.online.OnlineTestKit.settings;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.DataType;
import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.model.LanguageModel;
import dev.feedloop.model.lora.AdapterVerifier;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.schemas.AdapterPublished;
import dev.feedloop.schemas.ContentHash;
import dev.feedloop.schemas.TrainerMetrics;
import dev.feedloop.schemas.adapters.AdapterChunks;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.trainer.tiny.ShippedModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The online trainer in-process, on the shared embedded broker and the shipped tiny model. */
class OnlineTrainerTest {
  private static final Duration WAIT = Duration.ofSeconds(90);

  @Test
  void anAcceptedWindowPublishesOneAnnouncementWithItsRangesAndAnAdapterServingAccepts()
      throws Exception {
    TopicNames topics = SharedKafkaBroker.createUniqueTopics("online-accept");
    produce(topics.preferencePairs(), namePairs(0, 12, "Athene", "Boreas"));
    OnlineSettings settings = settings(topics).windowRecords(12).build();
    BlockingQueue<WindowReport> reports = new LinkedBlockingQueue<>();
    try (OnlineTrainer trainer = trainer(settings, topics, reports, TrainerHooks.NONE)) {
      trainer.start();
      WindowReport report = next(reports, trainer);
      assertThat(report).as("a window within %s", WAIT).isNotNull();
      assertThat(report.outcome()).isEqualTo(WindowResult.ACCEPTED);
      assertThat(report.version()).isEqualTo(1);
      // every 4th of the 12 records is held out; the other 9 train
      assertThat(report.metrics())
          .containsEntry("records/consumed", 12.0)
          .containsEntry("records/held_out", 3.0)
          .containsEntry("records/train", 9.0)
          .containsKeys(
              "loss",
              "rewards/accuracies",
              "heldout/kl",
              "time/train_ms",
              "freshness_ms",
              "freshness/q50_ms",
              "freshness/q95_ms");
      assertThat(report.metrics().get("freshness/q95_ms"))
          .isGreaterThanOrEqualTo(report.metrics().get("freshness/q50_ms"))
          .isGreaterThanOrEqualTo(report.metrics().get("freshness_ms"));
      Map<TopicPartition, Long> end = endOffsets(topics.preferencePairs());
      assertThat(covered(report.consumed())).isEqualTo(nonEmpty(end));
      assertThat(report.freshness()).isPositive();

      List<AdapterPublished> announced = announcements(topics);
      assertThat(announced).hasSize(1);
      AdapterPublished announcement = announced.get(0);
      assertThat(announcement.getVersion()).isEqualTo(1);
      assertThat(announcement.getParentVersion()).isNull();
      assertThat(announcement.getConsumed()).isEqualTo(report.consumed());
      assertThat(committed(settings.groupId())).containsAllEntriesOf(end);

      // serving's side: the chunks reassemble and the adapter verifies against the base model
      byte[] weights = AdapterChunks.reassemble(announcement, OnlineTestKit.chunks(announcement));
      assertThat(ContentHash.of(weights)).isEqualTo(announcement.getChecksum());
      try (LanguageModel model = LanguageModel.load(ShippedModel.directory());
          LoraAdapter adapter =
              new AdapterVerifier(
                      model.model().config(),
                      model.baseModelFingerprint(),
                      AdapterVerifier.DEFAULT_MAX_ABS_WEIGHT)
                  .verify(announcement, weights, model.model().manager(), DataType.FLOAT32)) {
        assertThat(adapter.config().r()).isEqualTo(2);
        assertThat(adapter.config().targetModules()).containsExactly("q_proj", "v_proj");
      }

      List<TrainerMetrics> windows = metrics(topics);
      assertThat(windows).hasSize(1);
      assertThat(windows.get(0).getOutcome()).isEqualTo("accepted");
      assertThat(windows.get(0).getAdapterVersion()).isEqualTo(1L);
      assertThat(windows.get(0).getConsumed()).isEqualTo(report.consumed());
      assertThat(windows.get(0).getMetrics()).containsKey("time/publish_ms");
    }
  }

  @Test
  void aWindowClosesAfterTSecondsWithFewerThanNRecords() throws Exception {
    TopicNames topics = SharedKafkaBroker.createUniqueTopics("online-time");
    OnlineSettings settings =
        settings(topics).windowRecords(1000).windowTime(Duration.ofSeconds(2)).build();
    BlockingQueue<WindowReport> reports = new LinkedBlockingQueue<>();
    try (OnlineTrainer trainer = trainer(settings, topics, reports, TrainerHooks.NONE)) {
      trainer.start();
      assertThat(trainer.awaitRunning(WAIT)).isTrue();
      long sent = System.nanoTime();
      produce(topics.preferencePairs(), namePairs(0, 5, "Athene", "Boreas"));
      WindowReport report = next(reports, trainer);
      assertThat(report).isNotNull();
      assertThat(report.records()).isEqualTo(5);
      assertThat(Duration.ofNanos(System.nanoTime() - sent))
          .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
      assertThat(report.metrics().get("time/consume_ms")).isGreaterThanOrEqualTo(2000.0);
    }
  }

  /**
   * Records in, two accepted windows, a window of inverted preferences refused by the accuracy
   * guardrail (the live version stays, its records count as consumed), then an accepted window
   * trained on from the live adapter; and while a window's transaction is open, neither its
   * announcement nor its offsets are visible to read_committed readers.
   *
   * <p>Held-out accuracy is judged on a reservoir holding the held-out records of every window, so
   * the two learning windows outnumber the inverted one there. Between them the trainer restarts
   * with a 30 times higher learning rate, so that the inverted window moves preferences further
   * than the two before it did (which also shows a restart resuming from its checkpoint).
   */
  @Test
  void anInvertedWindowIsRefusedAndTheLiveVersionStaysWhileItsOffsetsAreCommitted()
      throws Exception {
    TopicNames topics = SharedKafkaBroker.createUniqueTopics("online-guardrail");
    OnlineSettings gentle =
        settings(topics)
            .windowRecords(12)
            .stepsPerWindow(4)
            .learningRate(1e-3)
            .holdOutEvery(3)
            .maxAccuracyDrop(0.0)
            .minHeldOutPairs(4)
            .replayRatio(0)
            .build();
    OnlineSettings strong = gentle.toBuilder().learningRate(3e-2).build();
    List<String> duringTransaction = new ArrayList<>();
    TrainerHooks observer =
        (phase, window) -> {
          if (phase == TrainerHooks.Phase.PUBLISHING) {
            try {
              duringTransaction.add(
                  "window "
                      + window
                      + ": "
                      + announcements(topics).size()
                      + " announcements, committed "
                      + committedTotal(gentle));
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }
        };
    BlockingQueue<WindowReport> reports = new LinkedBlockingQueue<>();
    try (OnlineTrainer trainer = trainer(gentle, topics, reports, observer)) {
      trainer.start();
      produce(topics.preferencePairs(), numberPairs(0, 24, 4, 7));
      for (int version = 1; version <= 2; version++) {
        WindowReport learned = next(reports, trainer);
        assertThat(learned).isNotNull();
        assertThat(learned.outcome()).as(learned.line()).isEqualTo(WindowResult.ACCEPTED);
        assertThat(learned.version()).isEqualTo(version);
      }
    }
    try (OnlineTrainer trainer = trainer(strong, topics, reports, observer)) {
      trainer.start();
      produce(topics.preferencePairs(), numberPairs(24, 12, 7, 4));
      WindowReport inverted = next(reports, trainer);
      assertThat(inverted).isNotNull();
      assertThat(inverted.window()).isEqualTo(3);
      assertThat(inverted.outcome()).as(inverted.line()).isEqualTo(WindowResult.REFUSED);
      assertThat(inverted.reason()).isEqualTo(Guardrails.ACCURACY_DROP);
      assertThat(inverted.liveVersion()).isEqualTo(2);
      assertThat(inverted.metrics().get("heldout/accuracy"))
          .isLessThan(inverted.metrics().get("heldout/live_accuracy"));
      assertThat(committedTotal(gentle)).isEqualTo(36);

      produce(topics.preferencePairs(), numberPairs(36, 12, 4, 7));
      WindowReport after = next(reports, trainer);
      assertThat(after).isNotNull();
      assertThat(after.outcome()).as(after.line()).isEqualTo(WindowResult.ACCEPTED);
      assertThat(after.version()).isEqualTo(3);
    }

    List<AdapterPublished> announced = announcements(topics);
    assertThat(announced).extracting(AdapterPublished::getVersion).containsExactly(1L, 2L, 3L);
    assertThat(announced.get(2).getParentVersion()).isEqualTo(2L);
    // keyed by run id: the two runs' windows may lie in different partitions
    List<TrainerMetrics> windows =
        metrics(topics).stream()
            .sorted(java.util.Comparator.comparingLong(TrainerMetrics::getWindow))
            .toList();
    assertThat(windows)
        .extracting(TrainerMetrics::getOutcome)
        .containsExactly("accepted", "accepted", "refused", "accepted");
    TrainerMetrics refused = windows.get(2);
    assertThat(refused.getAdapterVersion()).isNull();
    assertThat(refused.getReason()).isEqualTo(Guardrails.ACCURACY_DROP);
    assertThat(refused.getReasonDetail()).contains("below the live adapter's");
    assertThat(covered(refused.getConsumed()).values().stream().mapToLong(Long::longValue).sum())
        .isEqualTo(12);
    // inside each window's open transaction, the broker showed only the windows before it
    assertThat(duringTransaction)
        .containsExactly(
            "window 1: 0 announcements, committed 0",
            "window 2: 1 announcements, committed 12",
            "window 3: 2 announcements, committed 24",
            "window 4: 2 announcements, committed 36");
  }

  private static long committedTotal(OnlineSettings settings) throws Exception {
    return committed(settings.groupId()).values().stream().mapToLong(Long::longValue).sum();
  }

  @Test
  void aSecondTrainerOfTheModelFencesTheFirstAndTheWindowIsPublishedOnce() throws Exception {
    TopicNames topics = SharedKafkaBroker.createUniqueTopics("online-fence");
    OnlineSettings settings = settings(topics).build();
    produce(topics.preferencePairs(), namePairs(0, 8, "Athene", "Boreas"));
    CountDownLatch firstInTransaction = new CountDownLatch(1);
    CountDownLatch releaseFirst = new CountDownLatch(1);
    TrainerHooks holdInTransaction =
        (phase, window) -> {
          if (phase == TrainerHooks.Phase.PUBLISHING) {
            firstInTransaction.countDown();
            try {
              releaseFirst.await(WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };
    BlockingQueue<WindowReport> firstReports = new LinkedBlockingQueue<>();
    BlockingQueue<WindowReport> secondReports = new LinkedBlockingQueue<>();
    try (OnlineTrainer first = trainer(settings, topics, firstReports, holdInTransaction);
        OnlineTrainer second = trainer(settings, topics, secondReports, TrainerHooks.NONE)) {
      first.start();
      assertThat(firstInTransaction.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      second.start();
      assertThat(second.awaitRunning(WAIT)).isTrue();
      releaseFirst.countDown();
      assertThat(first.awaitStopped(WAIT)).isTrue();
      assertThat(first.status()).isEqualTo(OnlineTrainer.Status.FENCED);
      assertThat(first.stopReason()).contains("fenced").contains(settings.transactionalId());
      assertThat(firstReports).isEmpty();

      WindowReport report = next(secondReports, second);
      assertThat(report).isNotNull();
      assertThat(report.version()).isEqualTo(1);
      assertThat(report.records()).isEqualTo(8);
    }
    assertThat(announcements(topics)).hasSize(1);
    assertThat(metrics(topics)).hasSize(1);
  }

  private static OnlineTrainer trainer(
      OnlineSettings settings,
      TopicNames topics,
      BlockingQueue<WindowReport> reports,
      TrainerHooks hooks) {
    return OnlineTrainer.builder()
        .settings(settings)
        .kafka(OnlineTestKit.kafka())
        .topics(topics)
        .hooks(hooks)
        .listener(
            report -> {
              System.out.println(report.line());
              reports.add(report);
            })
        .build();
  }

  /** The next report, failing at once when the trainer stopped. */
  private static WindowReport next(BlockingQueue<WindowReport> reports, OnlineTrainer trainer)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      WindowReport report = reports.poll(1, TimeUnit.SECONDS);
      if (report != null) {
        return report;
      }
      if (trainer.status() != OnlineTrainer.Status.RUNNING
          && trainer.status() != OnlineTrainer.Status.STARTING
          && trainer.status() != OnlineTrainer.Status.NEW) {
        throw new AssertionError(
            "the trainer stopped: " + trainer.stopReason(), trainer.failure().orElse(null));
      }
    }
    return null;
  }

  private static Map<TopicPartition, Long> nonEmpty(Map<TopicPartition, Long> end) {
    Map<TopicPartition, Long> out = new java.util.HashMap<>(end);
    out.values().removeIf(v -> v == 0);
    return out;
  }
}
