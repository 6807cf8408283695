package dev.feedloop.trainer.run;

import dev.feedloop.trainer.data.DatasetFormat;
import dev.feedloop.trainer.data.TruncationConfig;
import dev.feedloop.trainer.loss.LossConfig;
import dev.feedloop.trainer.optim.AdamWConfig;
import dev.feedloop.trainer.optim.ScheduleType;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything an offline training run needs; the CLI builds it from its options.
 *
 * @param dataFiles preference data in any importable format
 * @param format the data format, or null to detect it
 * @param modelDirectory a Hugging Face model directory (the base model)
 * @param outputDirectory where the adapter, metrics.jsonl and the report go
 * @param loss losses, weights, beta and friends
 * @param learningRate peak learning rate
 * @param optimizer AdamW betas, epsilon, weight decay
 * @param warmupSteps warmup optimizer steps; when 0, {@code warmupRatio} of the total is used
 * @param warmupRatio warmup as a fraction of all optimizer steps
 * @param schedule the decay after warmup
 * @param epochs passes over the training split
 * @param maxSteps stop after this many optimizer steps (0 = run all epochs)
 * @param batchSize records per micro-batch
 * @param gradientAccumulation micro-batches per optimizer step
 * @param maxGradNorm global gradient-norm clip (0 = none)
 * @param seed seeds data order, LoRA init and dropout
 * @param truncation token limits
 * @param evalFraction held-out share of the data
 * @param evalSteps evaluate every this many optimizer steps (0 = once per epoch)
 * @param loggingSteps write a metrics line every this many optimizer steps
 * @param lora the adapter shape
 * @param reference base model, or a previous adapter
 * @param referenceAdapter the previous adapter's directory when reference is PREVIOUS
 * @param referenceCacheDirectory where reference log-probs are cached on disk (null = memory only)
 * @param device "cpu", "gpu" or "gpu0"...
 */
public record TrainingConfig(
    List<Path> dataFiles,
    DatasetFormat format,
    Path modelDirectory,
    Path outputDirectory,
    LossConfig loss,
    double learningRate,
    AdamWConfig optimizer,
    int warmupSteps,
    double warmupRatio,
    ScheduleType schedule,
    int epochs,
    int maxSteps,
    int batchSize,
    int gradientAccumulation,
    double maxGradNorm,
    long seed,
    TruncationConfig truncation,
    double evalFraction,
    int evalSteps,
    int loggingSteps,
    LoraSettings lora,
    ReferenceKind reference,
    Path referenceAdapter,
    Path referenceCacheDirectory,
    String device) {

  public TrainingConfig {
    dataFiles = List.copyOf(dataFiles);
    if (dataFiles.isEmpty()) {
      throw new IllegalArgumentException("no data files");
    }
    if (!(learningRate > 0)) {
      throw new IllegalArgumentException("learning rate must be positive");
    }
    if (epochs < 1 || batchSize < 1 || gradientAccumulation < 1 || loggingSteps < 1) {
      throw new IllegalArgumentException(
          "epochs, batch size, gradient accumulation and logging steps must be >= 1");
    }
    if (maxSteps < 0 || evalSteps < 0 || warmupSteps < 0) {
      throw new IllegalArgumentException("step counts must be >= 0");
    }
    if (warmupRatio < 0 || warmupRatio >= 1) {
      throw new IllegalArgumentException("warmup ratio must be in [0, 1)");
    }
    if (evalFraction < 0 || evalFraction >= 1) {
      throw new IllegalArgumentException("eval fraction must be in [0, 1)");
    }
    if (reference == ReferenceKind.PREVIOUS && referenceAdapter == null) {
      throw new IllegalArgumentException(
          "reference=previous needs the previous adapter's directory");
    }
  }
}
