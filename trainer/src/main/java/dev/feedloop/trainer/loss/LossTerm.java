package dev.feedloop.trainer.loss;

/** One loss in a weighted combination: total = sum of weight * loss. */
public record LossTerm(LossType type, double weight) {
  public LossTerm {
    if (type == null) {
      throw new IllegalArgumentException("loss type is required");
    }
    if (!(weight > 0) || !Double.isFinite(weight)) {
      throw new IllegalArgumentException(
          "loss weight must be finite and positive, got " + weight + " for " + type.trlName());
    }
  }

  /** Parses {@code sigmoid}, {@code sft:0.1} or {@code sft=0.1}. */
  public static LossTerm parse(String spec) {
    String[] parts = spec.trim().split("[:=]", 2);
    double weight = parts.length == 2 ? Double.parseDouble(parts[1].trim()) : 1.0;
    return new LossTerm(LossType.fromTrlName(parts[0]), weight);
  }

  @Override
  public String toString() {
    return type.trlName() + ":" + weight;
  }
}
