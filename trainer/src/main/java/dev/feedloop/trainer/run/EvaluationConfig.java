package dev.feedloop.trainer.run;

import dev.feedloop.trainer.data.DatasetFormat;
import dev.feedloop.trainer.data.TruncationConfig;
import dev.feedloop.trainer.loss.LossConfig;
import java.nio.file.Path;
import java.util.List;

/** The metrics of an adapter (or the bare base model when adapter is null) on a data file. */
public record EvaluationConfig(
    List<Path> dataFiles,
    DatasetFormat format,
    Path modelDirectory,
    Path adapter,
    LossConfig loss,
    int batchSize,
    TruncationConfig truncation,
    ReferenceKind reference,
    Path referenceAdapter,
    Path referenceCacheDirectory,
    Path metricsOutput,
    String device) {
  public EvaluationConfig {
    dataFiles = List.copyOf(dataFiles);
    if (dataFiles.isEmpty()) {
      throw new IllegalArgumentException("no data files");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1");
    }
    if (reference == ReferenceKind.PREVIOUS && referenceAdapter == null) {
      throw new IllegalArgumentException(
          "reference=previous needs the previous adapter's directory");
    }
  }
}
