package dev.feedloop.streams.internal;

import java.time.Duration;
import java.util.function.LongConsumer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * The time at which a processor's deadlines fall due: the task's stream time, carried on by the
 * wall clock for as long as the task is quiet.
 *
 * <p>Deadlines are in event time. Stream time (the largest record timestamp the task has read)
 * moves only with input, so on a partition that receives nothing a deadline would wait for the next
 * record there, however long that takes. The clock therefore reads
 *
 * <pre>
 * now = stream time + (wall clock - wall-clock time of the last input)
 * </pre>
 *
 * where input is a record reaching this processor or the task's stream time moving. While records
 * flow, that is stream time exactly, so replaying a backlog or catching up after a restart decides
 * as before, record by record. When input stops, event time is taken to go on at the pace of the
 * wall clock from where the last record left it: in live traffic, where a record arrives a steady
 * delay after its event time, {@code now} then tracks event time as if records kept coming, and
 * lateness is still measured against it (a vote arriving after its votes settled by the wall clock
 * is late like one arriving after stream time passed them). Input that arrives after a quiet
 * stretch moves the clock back to its stream time; what fell due in between stays decided.
 *
 * <p>Only a live task is carried on: one whose last input arrived at most the live lag (wall clock)
 * after its own event time. A task that is catching up on a backlog, replaying old records or
 * restoring after a restart reads records whose event time lies far behind the wall clock; for it a
 * pause of input says nothing about time passing, so its deadlines wait for stream time, and a
 * replay decides exactly as it would without the wall clock. What remains: a live task whose input
 * stalls (a broker failover) takes the stall for quiet, and records behind the stall count as late
 * by its length. An interval of 0 turns the wall clock off: stream time only.
 */
public final class TaskClock {

  /** Stream-time punctuation period: as before wall-clock liveness, once per second of it. */
  private static final Duration STREAM_TIME_TICK = Duration.ofSeconds(1);

  private final Duration wallClockInterval;
  private final long liveLagMs;
  private ProcessorContext<?, ?> context;
  private long lastStreamTime;
  private long lastInputAt;

  /**
   * @param wallClockInterval how often the wall clock checks for due deadlines; 0 for never
   * @param liveLag how far behind the wall clock the last input's event time may be for the task to
   *     count as live
   */
  public TaskClock(Duration wallClockInterval, Duration liveLag) {
    this.wallClockInterval = wallClockInterval;
    this.liveLagMs = liveLag.toMillis();
  }

  /**
   * Calls {@code due} with {@link #now()} after each second of stream time and, unless the interval
   * is 0, after each wall-clock interval. Call from the processor's {@code init}.
   */
  public void schedule(ProcessorContext<?, ?> processorContext, LongConsumer due) {
    this.context = processorContext;
    this.lastStreamTime = context.currentStreamTimeMs();
    this.lastInputAt = context.currentSystemTimeMs();
    context.schedule(
        STREAM_TIME_TICK, PunctuationType.STREAM_TIME, streamTime -> due.accept(now()));
    if (!wallClockInterval.isZero()) {
      context.schedule(
          wallClockInterval, PunctuationType.WALL_CLOCK_TIME, wallClock -> due.accept(now()));
    }
  }

  /** The processor received a record: the task is not quiet. Call from {@code process}. */
  public void input() {
    lastStreamTime = context.currentStreamTimeMs();
    lastInputAt = context.currentSystemTimeMs();
  }

  /** Stream time plus how long the task has been quiet (stream time alone without wall clock). */
  public long now() {
    long streamTime = context.currentStreamTimeMs();
    long wallClock = context.currentSystemTimeMs();
    if (streamTime != lastStreamTime) {
      lastStreamTime = streamTime;
      lastInputAt = wallClock;
    }
    if (wallClockInterval.isZero() || streamTime < 0) {
      return streamTime; // no record read yet: nothing can be due
    }
    if (lastInputAt - lastStreamTime > liveLagMs) {
      return streamTime; // catching up or replaying: a pause is not time passing
    }
    return streamTime + Math.max(0, wallClock - lastInputAt);
  }
}
