package dev.feedloop.trainer.replay;

import dev.feedloop.model.LanguageModel;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.schemas.OffsetRange;
import dev.feedloop.trainer.online.OnlineSettings;
import dev.feedloop.trainer.online.TrainerHooks;
import dev.feedloop.trainer.online.TrainerSnapshot;
import dev.feedloop.trainer.online.WindowResult;
import dev.feedloop.trainer.online.WindowTrainer;
import dev.feedloop.trainer.run.MetricsJsonl;
import dev.feedloop.trainer.run.StepMetrics;
import dev.feedloop.trainer.run.TrainingReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One replay setting over recorded records, into a run directory: the records are cut into windows
 * on record time ({@link RecordTimeWindows}) and each window goes through the online trainer's own
 * {@link WindowTrainer} (held-out reservoir, replay buffer, S steps of the offline loop,
 * guardrails) from the snapshot the previous window left, as the online trainer does minus Kafka.
 * Nothing depends on the wall clock, so the same records, settings and seed give the same adapter
 * bytes and the same metrics (but the time/*_ms figures).
 *
 * <p>Writes {@code adapters/v<N>/} (PEFT layout: adapter_config.json, adapter_model.safetensors)
 * per accepted window, {@code metrics.jsonl} (one line per window: trainer-metrics' fields and
 * metric names), {@code report/} ({@link TrainingReport}) and {@code settings.txt}.
 */
public final class ReplayRun {
  public static final String ADAPTERS_DIRECTORY = "adapters";
  public static final String METRICS_FILE = "metrics.jsonl";
  public static final String REPORT_DIRECTORY = "report";

  private ReplayRun() {}

  /** Told of every window as it is decided (the CLI prints a line). */
  @FunctionalInterface
  public interface Listener {
    void window(RecordTimeWindows.CutWindow window, WindowResult result);
  }

  /**
   * What a replay setting gave.
   *
   * @param windows the metrics.jsonl rows, one per window
   * @param adapters the directories of the accepted windows' adapters, in version order
   */
  public record Summary(
      Path directory,
      List<StepMetrics> windows,
      int accepted,
      int refused,
      int skipped,
      List<Path> adapters,
      Path report) {}

  public static Summary run(
      LanguageModel model,
      OnlineSettings settings,
      List<ReplayRecord> records,
      Path directory,
      String title,
      Listener listener) {
    try {
      return runIn(model, settings, records, directory, title, listener);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the replay run " + directory, e);
    }
  }

  private static Summary runIn(
      LanguageModel model,
      OnlineSettings settings,
      List<ReplayRecord> records,
      Path directory,
      String title,
      Listener listener)
      throws IOException {
    Files.createDirectories(directory);
    Files.writeString(directory.resolve("settings.txt"), settings + "\n", StandardCharsets.UTF_8);
    Path metricsFile = directory.resolve(METRICS_FILE);
    Files.deleteIfExists(metricsFile);
    List<RecordTimeWindows.CutWindow> windows =
        RecordTimeWindows.cut(records, settings.window(), settings.modelId());
    WindowTrainer trainer = new WindowTrainer(model, settings, TrainerHooks.NONE);
    TrainerSnapshot snapshot = TrainerSnapshot.initial(1, settings, Map.of());
    List<StepMetrics> rows = new ArrayList<>();
    List<Path> adapters = new ArrayList<>();
    int accepted = 0;
    int refused = 0;
    int skipped = 0;
    long consumed = 0;
    try (MetricsJsonl metrics = MetricsJsonl.append(metricsFile)) {
      for (RecordTimeWindows.CutWindow cut : windows) {
        WindowResult result = trainer.train(snapshot, cut.window());
        int steps =
            snapshot.optimizerSteps()
                + (WindowResult.SKIPPED.equals(result.outcome()) ? 0 : settings.stepsPerWindow());
        long liveVersion = result.after().liveVersion();
        snapshot = result.after();
        consumed += cut.window().consumed();
        if (result.accepted()) {
          accepted++;
          adapters.add(writeAdapter(directory, settings, result));
        } else if (WindowResult.SKIPPED.equals(result.outcome())) {
          skipped++;
        } else {
          refused++;
        }
        Map<String, Double> values = new LinkedHashMap<>();
        values.put("window", (double) cut.window().number());
        values.put("records", (double) cut.window().consumed());
        if (result.accepted()) {
          values.put("adapter_version", (double) result.version());
        }
        values.put("live_version", (double) liveVersion);
        result.metrics().forEach((name, value) -> putFinite(values, name, value));
        // the window's span in record time: what consume time was when the stream was live
        values.put(
            "time/consume_ms",
            (double) (cut.window().closedMillis() - cut.window().openedMillis()));
        StepMetrics row =
            new StepMetrics(
                steps,
                records.isEmpty() ? 0 : (double) consumed / records.size(),
                StepMetrics.WINDOW,
                values);
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("outcome", result.outcome());
        fields.put("reason", result.reason());
        fields.put("reason_detail", result.detail() == null ? "" : result.detail());
        fields.put("consumed", ranges(cut.consumed()));
        metrics.write(row, fields);
        rows.add(row);
        listener.window(cut, result);
      }
    }
    Path report =
        TrainingReport.write(
            MetricsJsonl.read(metricsFile), directory.resolve(REPORT_DIRECTORY), title);
    return new Summary(directory, rows, accepted, refused, skipped, adapters, report);
  }

  /** The accepted window's adapter, byte for byte the weights the online trainer would announce. */
  private static Path writeAdapter(Path run, OnlineSettings settings, WindowResult result)
      throws IOException {
    Path directory = run.resolve(ADAPTERS_DIRECTORY).resolve("v" + result.version());
    Files.createDirectories(directory);
    settings
        .lora()
        .withBaseModel(settings.modelDirectory().toString())
        .write(directory.resolve(LoraAdapter.ADAPTER_CONFIG));
    Files.write(directory.resolve(LoraAdapter.ADAPTER_WEIGHTS), result.adapter());
    return directory;
  }

  private static List<Map<String, Object>> ranges(List<OffsetRange> consumed) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (OffsetRange range : consumed) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("topic", range.getTopic());
      json.put("partition", range.getPartition());
      json.put("from_offset", range.getFromOffset());
      json.put("until_offset", range.getUntilOffset());
      out.add(json);
    }
    return out;
  }

  /** As trainer-metrics: a metric that was not measured (NaN) is left out. */
  private static void putFinite(Map<String, Double> values, String name, Double value) {
    if (value != null && Double.isFinite(value)) {
      values.put(name, value);
    }
  }
}
