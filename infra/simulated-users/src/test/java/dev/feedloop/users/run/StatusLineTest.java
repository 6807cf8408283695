package dev.feedloop.users.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class StatusLineTest {
  private static StatusLine.Snapshot at(long seconds, long feedback) {
    return StatusLine.Snapshot.builder()
        .elapsed(Duration.ofSeconds(seconds))
        .feedbackEvents(feedback)
        .windows(9)
        .adaptersLive(7)
        .adaptersRefused(1)
        .liveVersion(7L)
        .satisfaction(0.41)
        .wellFormed(0.965)
        .build();
  }

  @Test
  void formatsTheLiveFigures() {
    assertThat(StatusLine.format(at(192, 1204)))
        .isEqualTo(
            "[03:12] feedback 1,204 · windows 9 · adapters 7 live / 1 refused · v7 · "
                + "satisfaction 41.0% (well-formed 96.5%)");
  }

  @Test
  void beforeAnyAdapterOrEvaluation() {
    StatusLine.Snapshot start =
        StatusLine.Snapshot.builder().elapsed(Duration.ofMillis(900)).build();
    assertThat(StatusLine.format(start))
        .isEqualTo(
            "[00:00] feedback 0 · windows 0 · adapters 0 live / 0 refused · base · satisfaction -");
    StatusLine.Snapshot longRun =
        StatusLine.Snapshot.builder().elapsed(Duration.ofSeconds(3792)).satisfaction(0.08).build();
    assertThat(StatusLine.format(longRun)).startsWith("[1:03:12] ").endsWith("satisfaction 8.0%");
  }

  @Test
  void onATerminalTheLineIsRewrittenInPlace() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (StatusPrinter printer = StatusPrinter.inPlace(stream(bytes))) {
      printer.update(at(10, 12_345));
      printer.update(at(11, 3)); // shorter: its tail must be wiped
    }
    String first = StatusLine.format(at(10, 12_345));
    String second = StatusLine.format(at(11, 3));
    int wipe = first.length() - second.length();
    assertThat(wipe).isPositive();
    assertThat(text(bytes)).isEqualTo("\r" + first + "\r" + second + " ".repeat(wipe) + "\n");
  }

  @Test
  void aMessageOnATerminalGoesAboveTheStatusWhichIsShownAgain() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (StatusPrinter printer = StatusPrinter.inPlace(stream(bytes))) {
      printer.update(at(10, 12));
      printer.message("trainer: window 1 accepted");
    }
    String status = StatusLine.format(at(10, 12));
    assertThat(text(bytes))
        .isEqualTo(
            "\r"
                + status
                + "\r"
                + " ".repeat(status.length())
                + "\r"
                + "trainer: window 1 accepted\n"
                + "\r"
                + status
                + "\n");
  }

  @Test
  void aMessageIntoALogIsALineOfItsOwn() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (StatusPrinter printer = StatusPrinter.lines(stream(bytes), Duration.ofSeconds(10))) {
      printer.update(at(0, 1));
      printer.message("trainer: window 1 accepted");
      printer.update(at(1, 2));
    }
    assertThat(text(bytes).lines())
        .containsExactly(
            StatusLine.format(at(0, 1)), "trainer: window 1 accepted", StatusLine.format(at(1, 2)));
  }

  @Test
  void intoALogALineEveryIntervalAndTheLatestAtTheEnd() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    StatusPrinter printer = StatusPrinter.lines(stream(bytes), Duration.ofSeconds(10));
    for (int second = 0; second <= 25; second++) {
      printer.update(at(second, second));
    }
    printer.close();
    printer.update(at(99, 99)); // after close: ignored
    printer.close();
    assertThat(text(bytes)).doesNotContain("\r");
    assertThat(text(bytes).lines())
        .containsExactly(
            StatusLine.format(at(0, 0)),
            StatusLine.format(at(10, 10)),
            StatusLine.format(at(20, 20)),
            StatusLine.format(at(25, 25)));
  }

  @Test
  void theLastLineIsNotRepeatedOnClose() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (StatusPrinter printer = StatusPrinter.lines(stream(bytes), Duration.ofSeconds(10))) {
      printer.update(at(0, 1));
      printer.update(at(10, 2));
    }
    assertThat(text(bytes).lines()).hasSize(2);
    ByteArrayOutputStream nothing = new ByteArrayOutputStream();
    StatusPrinter.inPlace(stream(nothing)).close();
    StatusPrinter.lines(stream(nothing), Duration.ofSeconds(1)).close();
    assertThat(nothing.size()).isZero();
  }

  @Test
  void updatesFromManyThreadsNeverInterleave() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    StatusPrinter printer = StatusPrinter.lines(stream(bytes), Duration.ZERO);
    ExecutorService threads = Executors.newFixedThreadPool(4);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int thread = t;
      done.add(
          threads.submit(
              () -> {
                for (int i = 0; i < 200; i++) {
                  printer.update(at(i, thread * 1000L + i));
                }
              }));
    }
    for (Future<?> future : done) {
      future.get();
    }
    threads.shutdown();
    printer.close();
    List<String> lines = text(bytes).lines().toList();
    // a snapshot older than the line last printed waits (threads race), so not every one shows
    assertThat(lines).hasSizeGreaterThanOrEqualTo(200);
    assertThat(lines)
        .allMatch(
            line ->
                line.matches(
                    "\\[\\d\\d:\\d\\d] feedback [\\d,]+ · windows 9 · .*\\(well-formed 96\\.5%\\)"));
  }

  private static PrintStream stream(ByteArrayOutputStream bytes) {
    return new PrintStream(bytes, true, StandardCharsets.UTF_8);
  }

  private static String text(ByteArrayOutputStream bytes) {
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
