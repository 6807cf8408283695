package dev.feedloop.trainer.optim;

import java.util.Locale;

/** What the learning rate does after warmup. */
public enum ScheduleType {
  CONSTANT,
  LINEAR,
  COSINE;

  public static ScheduleType parse(String name) {
    return valueOf(name.trim().toUpperCase(Locale.ROOT));
  }
}
