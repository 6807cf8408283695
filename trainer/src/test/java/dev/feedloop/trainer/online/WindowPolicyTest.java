package dev.feedloop.trainer.online;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class WindowPolicyTest {
  private final WindowPolicy policy = new WindowPolicy(4, Duration.ofSeconds(10));

  @Test
  void closesAfterNRecords() {
    assertThat(policy.closes(3, 0, 1_000)).isFalse();
    assertThat(policy.closes(4, 0, 1_000)).isTrue();
  }

  @Test
  void closesTSecondsAfterItsFirstRecordWhateverTheCount() {
    assertThat(policy.closes(1, 5_000, 14_999)).isFalse();
    assertThat(policy.closes(1, 5_000, 15_000)).isTrue();
    assertThat(policy.deadline(5_000)).isEqualTo(15_000);
  }

  @Test
  void anEmptyWindowNeverExpires() {
    assertThat(policy.closes(0, 0, Long.MAX_VALUE)).isFalse();
  }

  @Test
  void refusesEmptyOrTimelessWindows() {
    assertThatThrownBy(() -> new WindowPolicy(0, Duration.ofSeconds(1)))
        .hasMessageContaining("at least 1 record");
    assertThatThrownBy(() -> new WindowPolicy(1, Duration.ZERO)).hasMessageContaining("positive");
  }
}
