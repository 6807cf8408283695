package dev.feedloop.schemas.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

  @Test
  void readsEveryUnitAndIso() {
    assertThat(Durations.parse("0")).isZero();
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse(" 90S ")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Durations.parse("10m")).isEqualTo(Duration.ofMinutes(10));
    assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(Durations.parse("1d")).isEqualTo(Duration.ofDays(1));
    assertThat(Durations.parse("PT90S")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Durations.parse("p1d")).isEqualTo(Duration.ofDays(1));
  }

  @Test
  void refusesWhatIsNotADuration() {
    for (String bad : new String[] {"", "ten", "10", "-5s", "5 s", "1w", "PTxS"}) {
      assertThatThrownBy(() -> Durations.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("500ms, 90s, 10m, 2h, 1d or PT90S");
    }
  }

  @Test
  void formatReadsBack() {
    for (Duration d :
        new Duration[] {
          Duration.ZERO,
          Duration.ofMillis(1500),
          Duration.ofSeconds(90),
          Duration.ofMinutes(10),
          Duration.ofHours(2),
          Duration.ofDays(3)
        }) {
      assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
    }
    assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(Durations.format(Duration.ofDays(1))).isEqualTo("1d");
  }
}
