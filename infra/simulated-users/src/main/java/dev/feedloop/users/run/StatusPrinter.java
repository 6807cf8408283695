package dev.feedloop.users.run;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Objects;

/**
 * Shows the {@link StatusLine} while a run goes on: on a terminal one line rewritten in place
 * (carriage return), into a log or a pipe a plain line every so often, so the log stays readable.
 * {@link #update} and {@link #close} may be called from any thread.
 *
 * <p>A line printer rather than me.tongfei:progressbar (which the trainer uses for its steps): a
 * run has no total to fill a bar or an ETA with (it ends by time or by a count of events, and the
 * interesting figures are not the counter), so the whole line would live in the bar's "extra
 * message" beside an empty bar; its non-terminal mode prints a line at every refresh, with no
 * cadence of its own for logs; and it runs its own refresh thread and detects terminals through
 * jline. Here the cadence of log lines follows the snapshots' elapsed time, which makes the output
 * deterministic and testable.
 */
public final class StatusPrinter implements AutoCloseable {
  private final PrintWriter out;
  private final boolean inPlace;
  private final Duration every;
  private StatusLine.Snapshot lastShown;
  private StatusLine.Snapshot latest;
  private int shownLength;
  private boolean closed;

  private StatusPrinter(PrintWriter out, boolean inPlace, Duration every) {
    this.out = Objects.requireNonNull(out, "out");
    this.inPlace = inPlace;
    this.every = Objects.requireNonNull(every, "every");
  }

  /**
   * On standard error (standard output stays for results): in place when the process has a console
   * ({@code System.console() != null}), else a line every {@code every}.
   */
  public static StatusPrinter forConsole(Duration every) {
    return System.console() != null ? inPlace(System.err) : lines(System.err, every);
  }

  /**
   * On {@code out}, where the rest of the run's output goes too: in place when the process has a
   * console, else a line every {@code every}. Other lines go through {@link #message} so that they
   * do not land in the middle of the status.
   */
  public static StatusPrinter on(PrintWriter out, Duration every) {
    return System.console() != null
        ? new StatusPrinter(out, true, Duration.ZERO)
        : new StatusPrinter(out, false, every);
  }

  /** Rewrites one line in place on {@code out} (a terminal). */
  public static StatusPrinter inPlace(PrintStream out) {
    return new StatusPrinter(new PrintWriter(out, true), true, Duration.ZERO);
  }

  /**
   * Prints the first snapshot, then one whenever {@code every} of elapsed time has passed since the
   * last line printed, and the latest one on {@link #close()}.
   */
  public static StatusPrinter lines(PrintStream out, Duration every) {
    return new StatusPrinter(new PrintWriter(out, true), false, every);
  }

  /**
   * Prints a line of its own (e.g. a trainer window's summary): on a terminal above the status,
   * which is then shown again below it.
   */
  public synchronized void message(String line) {
    if (inPlace && shownLength > 0 && !closed) {
      out.print("\r" + " ".repeat(shownLength) + "\r");
      out.println(line);
      shownLength = 0;
      if (latest != null) {
        rewrite(latest);
      }
    } else {
      out.println(line);
      out.flush();
    }
  }

  /** Shows the snapshot (in place) or keeps it for the next line (logs); ignored once closed. */
  public synchronized void update(StatusLine.Snapshot snapshot) {
    if (closed) {
      return;
    }
    latest = snapshot;
    if (inPlace) {
      rewrite(snapshot);
    } else if (lastShown == null
        || snapshot.elapsed().minus(lastShown.elapsed()).compareTo(every) >= 0) {
      println(snapshot);
    }
  }

  /**
   * Ends the status: on a terminal moves past the line so that what follows starts on its own; into
   * a log prints the latest snapshot unless it was the last line printed. Later updates are
   * ignored.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (inPlace) {
      if (latest != null) {
        out.println();
      }
    } else if (latest != null && latest != lastShown) {
      println(latest);
    }
    out.flush();
  }

  private void rewrite(StatusLine.Snapshot snapshot) {
    String line = StatusLine.format(snapshot);
    // spaces wipe what a longer previous line left behind (no terminal escape codes needed)
    String wipe = " ".repeat(Math.max(0, shownLength - line.length()));
    out.print("\r" + line + wipe);
    out.flush();
    shownLength = line.length();
    lastShown = snapshot;
  }

  private void println(StatusLine.Snapshot snapshot) {
    out.println(StatusLine.format(snapshot));
    out.flush();
    lastShown = snapshot;
  }
}
