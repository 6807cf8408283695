package dev.feedloop.trainer.cli;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.feedloop.model.ComputeDevice;
import dev.feedloop.model.LanguageModel;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.schemas.settings.Durations;
import dev.feedloop.trainer.online.OnlineSettings;
import dev.feedloop.trainer.online.WindowReport;
import dev.feedloop.trainer.online.WindowResult;
import dev.feedloop.trainer.replay.RecordTimeWindows;
import dev.feedloop.trainer.replay.ReplayRange;
import dev.feedloop.trainer.replay.ReplayRecord;
import dev.feedloop.trainer.replay.ReplayRun;
import dev.feedloop.trainer.replay.Sweep;
import dev.feedloop.trainer.replay.TopicReplayReader;
import dev.feedloop.trainer.run.StepMetrics;
import dev.feedloop.trainer.run.TrainingReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code feedloop-trainer replay}: re-reads a range of preference-pairs and unary-feedback and
 * trains it window by window as the online trainer would, with other settings, into a run
 * directory; never writes to a topic and never joins a consumer group. With {@code --sweep}, one
 * run per setting on the identical records and a comparison report.
 */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = {
      "Re-read a time or offset range of preference-pairs and unary-feedback (read_committed, no"
          + " consumer group, nothing written to Kafka) and train it as the online trainer would,"
          + " windows cut on record time: deterministic for a seed.",
      "Writes <output>/adapters/v<N>/ per accepted window, metrics.jsonl (a line per window) and"
          + " report/index.html; with --sweep one such run per setting under <output>/<setting>/"
          + " and <output>/comparison/index.html.",
      "Defaults: the online trainer's FEEDLOOP_TRAINER_* settings (trainer/README.md)."
    })
final class ReplayCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin KafkaOptions kafkaOptions;

  @Option(
      names = "--from",
      paramLabel = "TIME",
      description =
          "Records with a timestamp at or after: an instant (2026-12-01T08:00:00Z) or a duration"
              + " ago (2h, 90m, 1d). Default: the beginning.")
  String from;

  @Option(
      names = "--to",
      paramLabel = "TIME",
      description = "Records with a timestamp before this (as --from). Default: the end.")
  String to;

  @Option(
      names = "--from-offset",
      description = "Instead of times: the first offset of every partition.")
  Long fromOffset;

  @Option(
      names = "--to-offset",
      description = "Instead of times: the offset after the last of every partition.")
  Long toOffset;

  @Option(
      names = {"-o", "--output"},
      required = true,
      description = "The run directory (adapters, metrics.jsonl, report).")
  Path output;

  @Option(names = "--model-dir", description = "Base model (default: as the online trainer).")
  Path modelDirectory;

  @Option(names = "--model-id", description = "Model whose records are trained.")
  String modelId;

  @Option(names = "--device", description = "cpu, gpu or gpu(N) (default: as the online trainer).")
  String device;

  @Option(names = "--loss", description = "Loss terms, e.g. sigmoid, ipo, kto, sigmoid,sft:0.1.")
  String loss;

  @Option(names = "--beta", description = "Implicit-reward temperature.")
  Double beta;

  @Option(
      names = {"--window-records", "--window"},
      description = "N: records per window.")
  Integer windowRecords;

  @Option(names = "--window-time", description = "T: longest window in record time, e.g. 60s.")
  String windowTime;

  @Option(names = "--steps", description = "S: optimizer steps per window.")
  Integer steps;

  @Option(names = "--reference", description = "base or previous.")
  String reference;

  @Option(names = "--learning-rate", description = "Peak learning rate.")
  Double learningRate;

  @Option(names = "--batch-size", description = "Records per micro-batch.")
  Integer batchSize;

  @Option(names = "--hold-out-every", description = "k: every k-th record is held out; 0 = none.")
  Integer holdOutEvery;

  @Option(names = "--replay-ratio", description = "The replay buffer's share, in [0, 1).")
  Double replayRatio;

  @Option(names = "--min-held-out-pairs", description = "Pairs before accuracy is checked.")
  Integer minHeldOutPairs;

  @Option(names = "--max-accuracy-drop", description = "Accuracy guardrail threshold.")
  Double maxAccuracyDrop;

  @Option(names = "--max-kl", description = "KL guardrail bound (nats per token).")
  Double maxKl;

  @Option(names = "--seed", description = "Seeds initialization, data order, draws, reservoirs.")
  Long seed;

  @Option(
      names = "--sweep",
      paramLabel = "NAME=V1,V2,...",
      description =
          "Run one setting per value on the identical records, e.g. window=64,128,256 or"
              + " loss=sigmoid,kto,ipo (a loss of several terms: sigmoid+sft:0.1); repeat to"
              + " combine. Names: window, window-time, steps, loss, beta, reference,"
              + " learning-rate, hold-out-every, replay-ratio, seed.")
  List<String> sweeps = new ArrayList<>();

  Map<String, String> environment = System.getenv();

  @Override
  public Integer call() throws Exception {
    OnlineSettings.Builder builder = settings();
    OnlineSettings base = builder.build();
    List<Sweep.Axis> axes = new ArrayList<>();
    for (String spec : sweeps) {
      axes.add(Sweep.parse(spec, base.toBuilder()));
    }
    ReplayRange range =
        new ReplayRange(
            ReplayRange.timeBound(from, Instant.now()),
            ReplayRange.timeBound(to, Instant.now()),
            fromOffset,
            toOffset);
    Device resolved = ComputeDevice.parse(base.device()).resolve();
    TopicNames topics = kafkaOptions.topics();
    PrintWriter out = spec.commandLine().getOut();

    List<ReplayRecord> records =
        new TopicReplayReader(
                kafkaOptions.kafka(), topics.preferencePairs(), topics.unaryFeedback())
            .read(range);
    out.printf(
        Locale.ROOT,
        "replay of %s and %s (%s): %d records%n",
        topics.preferencePairs(),
        topics.unaryFeedback(),
        range.describe(),
        records.size());
    out.flush();
    List<Sweep.Point> points = Sweep.points(axes, base);
    Map<String, List<StepMetrics>> runs = new LinkedHashMap<>();
    try (LanguageModel model =
        LanguageModel.load(base.modelDirectory(), resolved, DataType.FLOAT32)) {
      for (Sweep.Point point : points) {
        boolean swept = !point.label().isEmpty();
        Path directory = swept ? output.resolve(Sweep.directoryName(point.label())) : output;
        if (swept) {
          out.println("setting " + point.label() + ":");
        }
        ReplayRun.Summary summary =
            ReplayRun.run(
                model,
                point.settings(),
                records,
                directory,
                "Replay " + output.getFileName() + (swept ? " " + point.label() : ""),
                (cut, result) -> {
                  out.println((swept ? "  " : "") + line(cut, result));
                  out.flush();
                });
        out.printf(
            Locale.ROOT,
            "%s%d windows: %d accepted, %d refused, %d skipped; metrics %s; report %s%n",
            swept ? "  " : "",
            summary.windows().size(),
            summary.accepted(),
            summary.refused(),
            summary.skipped(),
            directory.resolve(ReplayRun.METRICS_FILE),
            summary.report());
        out.flush();
        runs.put(point.label(), summary.windows());
      }
    }
    if (!axes.isEmpty()) {
      Path comparison =
          TrainingReport.writeComparison(
              runs,
              output.resolve("comparison"),
              "Replay sweep " + output.getFileName() + ": " + String.join(", ", sweeps));
      out.println("comparison: " + comparison);
    }
    return 0;
  }

  private static String line(RecordTimeWindows.CutWindow cut, WindowResult result) {
    return new WindowReport(
            cut.window().number(),
            result.outcome(),
            result.reason(),
            result.detail(),
            result.version(),
            result.after().liveVersion(),
            cut.consumed(),
            result.metrics(),
            null)
        .line();
  }

  private OnlineSettings.Builder settings() {
    OnlineSettings.Builder b = OnlineSettings.fromEnvironment(environment);
    if (modelDirectory != null) {
      b.modelDirectory(modelDirectory);
    }
    if (modelId != null) {
      b.modelId(modelId);
    }
    if (device != null) {
      b.device(device);
    }
    if (loss != null) {
      b.lossTerms(OnlineSettings.lossTerms(loss));
    }
    if (beta != null) {
      b.beta(beta);
    }
    if (windowRecords != null) {
      b.windowRecords(windowRecords);
    }
    if (windowTime != null) {
      b.windowTime(Durations.parse(windowTime));
    }
    if (steps != null) {
      b.stepsPerWindow(steps);
    }
    if (reference != null) {
      b.reference(OnlineSettings.reference(reference));
    }
    if (learningRate != null) {
      b.learningRate(learningRate);
    }
    if (batchSize != null) {
      b.batchSize(batchSize);
    }
    if (holdOutEvery != null) {
      b.holdOutEvery(holdOutEvery);
    }
    if (replayRatio != null) {
      b.replayRatio(replayRatio);
    }
    if (minHeldOutPairs != null) {
      b.minHeldOutPairs(minHeldOutPairs);
    }
    if (maxAccuracyDrop != null) {
      b.maxAccuracyDrop(maxAccuracyDrop);
    }
    if (maxKl != null) {
      b.maxKl(maxKl);
    }
    if (seed != null) {
      b.seed(seed);
    }
    return b;
  }
}
