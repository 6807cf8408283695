package dev.feedloop.trainer.data;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Counters of what truncation did, for the run report. Thread-safe. */
public final class TruncationStats {
  private final AtomicLong records = new AtomicLong();
  private final AtomicLong promptsTruncated = new AtomicLong();
  private final AtomicLong completionsTruncated = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();

  void countRecord() {
    records.incrementAndGet();
  }

  void countPromptTruncated() {
    promptsTruncated.incrementAndGet();
  }

  void countCompletionTruncated() {
    completionsTruncated.incrementAndGet();
  }

  void countDropped() {
    dropped.incrementAndGet();
  }

  public long records() {
    return records.get();
  }

  public long promptsTruncated() {
    return promptsTruncated.get();
  }

  /** Completions cut (a pair whose chosen and rejected are both cut counts 2). */
  public long completionsTruncated() {
    return completionsTruncated.get();
  }

  public long dropped() {
    return dropped.get();
  }

  public Map<String, Long> asMap() {
    Map<String, Long> map = new LinkedHashMap<>();
    map.put("records", records());
    map.put("prompts_truncated", promptsTruncated());
    map.put("completions_truncated", completionsTruncated());
    map.put("dropped", dropped());
    return map;
  }
}
