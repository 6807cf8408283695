package dev.feedloop.trainer.online;

import static dev.feedloop.trainer.online.OnlineTestKit.announcements;
import static dev.feedloop.trainer.online.OnlineTestKit.committed;
import static dev.feedloop.trainer.online.OnlineTestKit.endOffsets;
import static dev.feedloop.trainer.online.OnlineTestKit.metrics;
import static dev.feedloop.trainer.online.OnlineTestKit.namePairs;
import static dev.feedloop.trainer.online.OnlineTestKit.produce;
import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.schemas.AdapterPublished;
import dev.feedloop.schemas.OffsetRange;
import dev.feedloop.schemas.TrainerMetrics;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.trainer.cli.TrainerCli;
import dev.feedloop.trainer.tiny.ShippedModel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The exactly-once test: the trainer runs as a child JVM ({@code feedloop-trainer online}) over a
 * stream of 2,400 pairs and is SIGKILLed again and again at seeded points: while training, while
 * evaluating, inside the open transaction (publishing), right after a commit, and at a random
 * moment. Test-only pauses (FEEDLOOP_TRAINER_TEST_PAUSE) print a marker and hold the trainer at a
 * phase, so that a kill sent on seeing the marker lands there. Each time a new child resumes from
 * the committed checkpoint and offsets. At the end the published announcements (every window is
 * accepted: guardrails are permissive here) must cover every offset of every partition exactly
 * once, in contiguous disjoint ranges, and their versions must run 1, 2, 3, ... with no gap or
 * repetition.
 */
class KillAndResumeTest {
  private static final int FIRST_BATCH = 1_600;
  private static final int SECOND_BATCH = 800;
  private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(120);

  @Test
  void killedAtRandomPointsTheTrainerPublishesEveryRecordExactlyOnce() throws Exception {
    TopicNames topics = SharedKafkaBroker.createUniqueTopics("online-kill");
    String prefix =
        topics.preferencePairs().substring(0, topics.preferencePairs().indexOf("preference-pairs"));
    produce(topics.preferencePairs(), namePairs(0, FIRST_BATCH, "Athene", "Boreas"));

    Random random = new Random(20261122L);
    List<String> plan =
        new ArrayList<>(
            List.of("training", "evaluating", "publishing", "publishing", "committed", "anytime"));
    Collections.shuffle(plan, random);
    List<String> kills = new ArrayList<>();
    for (int run = 0; run < plan.size(); run++) {
      if (run == 3) {
        produce(topics.preferencePairs(), namePairs(FIRST_BATCH, SECOND_BATCH, "Athene", "Boreas"));
      }
      String phase = plan.get(run);
      Child child = Child.start(prefix, true);
      try {
        if (phase.equals("anytime")) {
          child.awaitLine(line -> line.startsWith("window "));
          Thread.sleep(1_000 + random.nextInt(3_000));
        } else {
          int skip = random.nextInt(3);
          String marker = "feedloop-trainer test pause: " + phase + " window";
          for (int seen = 0; seen <= skip; seen++) {
            child.awaitLine(line -> line.startsWith(marker));
          }
          Thread.sleep(random.nextInt(200)); // inside the 250 ms pause
        }
        kills.add(phase);
      } finally {
        child.kill();
      }
    }
    assertThat(kills).hasSize(plan.size());

    int total = FIRST_BATCH + SECOND_BATCH;
    Map<TopicPartition, Long> end = endOffsets(topics.preferencePairs());
    assertThat(end.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(total);
    String group = prefix + "feedloop-trainer-" + OnlineTestKit.MODEL;
    Child last = Child.start(prefix, false);
    try {
      long deadline = System.nanoTime() + CHILD_TIMEOUT.toNanos();
      while (!committed(group).entrySet().containsAll(end.entrySet())) {
        assertThat(System.nanoTime()).as(last.tail()).isLessThan(deadline);
        assertThat(last.process.isAlive()).as(last.tail()).isTrue();
        Thread.sleep(500);
      }
    } finally {
      last.stop();
    }

    List<AdapterPublished> announced =
        announcements(topics).stream()
            .sorted(Comparator.comparingLong(AdapterPublished::getVersion))
            .toList();
    // trainer-metrics is keyed by run id (a run per child): its partitions hold different runs
    List<TrainerMetrics> windows =
        metrics(topics).stream()
            .sorted(Comparator.comparingLong(TrainerMetrics::getWindow))
            .toList();
    // versions 1..n, each the child of the one before: no gap, no version published twice
    for (int i = 0; i < announced.size(); i++) {
      assertThat(announced.get(i).getVersion()).isEqualTo(i + 1);
      assertThat(announced.get(i).getParentVersion()).isEqualTo(i == 0 ? null : (long) i);
    }
    // every committed window reported once, numbered without gaps; here every one was accepted
    assertThat(windows)
        .extracting(TrainerMetrics::getWindow)
        .containsExactlyElementsOf(
            java.util.stream.LongStream.rangeClosed(1, windows.size()).boxed().toList());
    assertThat(windows).allMatch(w -> "accepted".equals(w.getOutcome()));
    assertThat(windows).hasSameSizeAs(announced);

    Map<TopicPartition, List<OffsetRange>> ranges = new HashMap<>();
    announced.forEach(
        a ->
            a.getConsumed()
                .forEach(
                    r ->
                        ranges
                            .computeIfAbsent(
                                new TopicPartition(r.getTopic(), r.getPartition()),
                                p -> new ArrayList<>())
                            .add(r)));
    long covered = 0;
    for (Map.Entry<TopicPartition, Long> partition : end.entrySet()) {
      List<OffsetRange> sorted =
          ranges.getOrDefault(partition.getKey(), List.of()).stream()
              .sorted(Comparator.comparingLong(OffsetRange::getFromOffset))
              .toList();
      long expectedFrom = 0;
      for (OffsetRange range : sorted) {
        assertThat(range.getFromOffset())
            .as("%s: contiguous and disjoint at %s", partition.getKey(), range)
            .isEqualTo(expectedFrom);
        assertThat(range.getUntilOffset()).isGreaterThan(range.getFromOffset());
        covered += range.getUntilOffset() - range.getFromOffset();
        expectedFrom = range.getUntilOffset();
      }
      assertThat(expectedFrom)
          .as("%s covered to its end", partition.getKey())
          .isEqualTo(partition.getValue());
    }
    assertThat(covered).isEqualTo(total);
    assertThat(ranges.keySet()).isSubsetOf(end.keySet());
  }

  /** A trainer child JVM and its output, line by line. */
  private static final class Child {
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Deque<String> tail = new ArrayDeque<>();

    private Child(Process process) {
      this.process = process;
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader in =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                    synchronized (tail) {
                      tail.addLast(line);
                      if (tail.size() > 60) {
                        tail.removeFirst();
                      }
                    }
                  }
                } catch (IOException ended) {
                  // the process was killed
                }
              },
              "trainer-child-output");
      reader.setDaemon(true);
      reader.start();
    }

    static Child start(String topicPrefix, boolean pauses) throws IOException {
      String java = ProcessHandle.current().info().command().orElse("java");
      String classpath =
          System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
      ProcessBuilder builder =
          new ProcessBuilder(
                  java,
                  "-Xmx768m",
                  "-XX:+UseSerialGC",
                  "-XX:TieredStopAtLevel=1",
                  "-Dai.djl.offline=true",
                  "-cp",
                  classpath,
                  TrainerCli.class.getName(),
                  "online",
                  "--bootstrap-servers",
                  SharedKafkaBroker.bootstrapServers(),
                  "--model-dir",
                  ShippedModel.directory().toString())
              .redirectErrorStream(true);
      Map<String, String> env = builder.environment();
      env.put("OMP_WAIT_POLICY", "PASSIVE");
      env.put("OPT_OUT_TRACKING", "true");
      env.put("FEEDLOOP_TOPIC_PREFIX", topicPrefix);
      env.put("FEEDLOOP_MODEL_ID", OnlineTestKit.MODEL);
      env.put("FEEDLOOP_TRAINER_WINDOW_RECORDS", "40");
      env.put("FEEDLOOP_TRAINER_WINDOW_TIME", "3s");
      env.put("FEEDLOOP_TRAINER_STEPS", "1");
      env.put("FEEDLOOP_TRAINER_BATCH_SIZE", "4");
      env.put("FEEDLOOP_TRAINER_LORA_RANK", "2");
      env.put("FEEDLOOP_TRAINER_LORA_ALPHA", "4");
      env.put("FEEDLOOP_TRAINER_LORA_TARGETS", "q_proj");
      env.put("FEEDLOOP_TRAINER_MAX_LENGTH", "64");
      env.put("FEEDLOOP_TRAINER_MAX_PROMPT_LENGTH", "48");
      env.put("FEEDLOOP_TRAINER_REPLAY_SIZE", "16");
      env.put("FEEDLOOP_TRAINER_REPLAY_RATIO", "0.2");
      env.put("FEEDLOOP_TRAINER_HOLD_OUT_EVERY", "10");
      env.put("FEEDLOOP_TRAINER_HELD_OUT_SIZE", "8");
      env.put("FEEDLOOP_TRAINER_MIN_HELD_OUT_PAIRS", "4");
      env.put("FEEDLOOP_TRAINER_MAX_ACCURACY_DROP", "1");
      env.put("FEEDLOOP_TRAINER_MAX_KL", "1000");
      if (pauses) {
        env.put(
            TrainerHooks.TEST_PAUSE_VARIABLE,
            "training:250ms,evaluating:250ms,publishing:250ms,committed:100ms");
      } else {
        env.remove(TrainerHooks.TEST_PAUSE_VARIABLE);
      }
      return new Child(builder.start());
    }

    void awaitLine(java.util.function.Predicate<String> wanted) throws InterruptedException {
      long deadline = System.nanoTime() + CHILD_TIMEOUT.toNanos();
      while (System.nanoTime() < deadline) {
        String line = lines.poll(200, TimeUnit.MILLISECONDS);
        if (line != null && wanted.test(line)) {
          return;
        }
        if (line == null && !process.isAlive()) {
          throw new AssertionError(
              "the trainer exited with " + process.exitValue() + ":\n" + tail());
        }
      }
      throw new AssertionError("no expected line within " + CHILD_TIMEOUT + ":\n" + tail());
    }

    /** SIGKILL: no shutdown hook, no flush, no abort. */
    void kill() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM: the trainer stops cleanly. */
    void stop() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
      }
    }

    String tail() {
      synchronized (tail) {
        return String.join("\n", tail);
      }
    }
  }
}
