package dev.feedloop.trainer.run;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a finished run reports: where the adapter went, how many steps ran, and the last metrics.
 */
public record TrainingSummary(
    Path adapterDirectory,
    long optimizerSteps,
    Map<String, Double> lastTrainMetrics,
    Map<String, Double> lastEvalMetrics,
    Path report) {}
