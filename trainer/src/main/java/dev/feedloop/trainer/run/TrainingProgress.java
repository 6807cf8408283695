package dev.feedloop.trainer.run;

import java.io.PrintStream;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar over optimizer steps with elapsed time, ETA, and the latest loss and reward margin
 * (me.tongfei:progressbar). On a terminal it redraws one line; into a log each refresh is a line of
 * its own.
 */
public final class TrainingProgress implements AutoCloseable {
  private final ProgressBar bar;

  private TrainingProgress(ProgressBar bar) {
    this.bar = bar;
  }

  /** A bar on the console (stderr, so that stdout stays clean for results). */
  public static TrainingProgress console(String task, long totalSteps) {
    return new TrainingProgress(builder(task, totalSteps).build());
  }

  /** A bar written line by line to a consumer, e.g. a log or a test's buffer. */
  public static TrainingProgress toLines(String task, long totalSteps, Consumer<String> lines) {
    return new TrainingProgress(
        builder(task, totalSteps)
            .setConsumer(new DelegatingProgressBarConsumer(lines, 100))
            .build());
  }

  public static TrainingProgress toStream(String task, long totalSteps, PrintStream stream) {
    return toLines(task, totalSteps, stream::println);
  }

  private static ProgressBarBuilder builder(String task, long totalSteps) {
    return new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(totalSteps)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(500)
        .setUnit(" steps", 1)
        .setSpeedUnit(ChronoUnit.SECONDS)
        .showSpeed();
  }

  /** Marks one optimizer step done and shows its metrics. */
  public void step(Map<String, Double> metrics) {
    bar.setExtraMessage(describe(metrics));
    bar.step();
  }

  static String describe(Map<String, Double> metrics) {
    StringBuilder text = new StringBuilder();
    append(text, "loss", metrics.get("loss"));
    append(text, "margin", metrics.get("rewards/margins"));
    append(text, "acc", metrics.get("rewards/accuracies"));
    return text.toString();
  }

  private static void append(StringBuilder text, String label, Double value) {
    if (value != null && !value.isNaN()) {
      if (!text.isEmpty()) {
        text.append(' ');
      }
      text.append(label).append(' ').append(String.format(Locale.ROOT, "%.4f", value));
    }
  }

  public long current() {
    return bar.getCurrent();
  }

  @Override
  public void close() {
    bar.close();
  }
}
