package dev.feedloop.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.trainer.online.OnlineSettings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class LoopOptionsTest {

  private static LoopOptions parse(String... args) {
    FeedloopCommand command = new FeedloopCommand(Map.of());
    new CommandLine(command).parseArgs(args);
    return command.loop;
  }

  @Test
  void theDemoDefaultsGiveWayToTheEnvironmentWhichGivesWayToOptions() {
    LoopOptions options = parse("--window-records", "32", "--loss", "kto");
    Map<String, String> effective =
        options.componentEnvironment(
            Map.of(
                "FEEDLOOP_TRAINER_BETA", "0.2",
                "FEEDLOOP_TRAINER_LOSS", "ipo",
                "FEEDLOOP_STREAMS_GRACE", "1s"));

    assertThat(effective)
        // demo default kept
        .containsEntry("FEEDLOOP_TRAINER_LORA_TARGETS", "gate_proj,up_proj,down_proj")
        .containsEntry("FEEDLOOP_STREAMS_PAIRING_WINDOW", "15s")
        // the operator's variables win over the demo's
        .containsEntry("FEEDLOOP_TRAINER_BETA", "0.2")
        .containsEntry("FEEDLOOP_STREAMS_GRACE", "1s")
        // and the options over both
        .containsEntry("FEEDLOOP_TRAINER_LOSS", "kto")
        .containsEntry("FEEDLOOP_TRAINER_WINDOW_RECORDS", "32")
        .containsEntry("FEEDLOOP_TRAINER_SEED", "1");
    // what the trainer then builds from it
    OnlineSettings settings = OnlineSettings.fromEnvironment(effective).build();
    assertThat(settings.window().maxRecords()).isEqualTo(32);
    assertThat(settings.lora().targetModules())
        .containsExactly("gate_proj", "up_proj", "down_proj");
    assertThat(settings.loss().beta()).isEqualTo(0.2);
  }

  @Test
  void aRunHasUsersUnlessToldOtherwiseOrUnbounded() {
    assertThat(parse().withUsers(Duration.ofMinutes(10))).isTrue();
    assertThat(parse("--no-users").withUsers(Duration.ofMinutes(10))).isFalse();
    assertThat(parse().withUsers(Duration.ZERO)).isFalse();
    assertThat(parse("--events", "500").withUsers(Duration.ZERO)).isTrue();
  }

  @Test
  void aMalformedWindowTimeNamesItsValue() {
    LoopOptions options = parse("--window-time", "soon");
    assertThatThrownBy(() -> options.componentEnvironment(Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("soon");
  }

  @Test
  void theUsersGetThePreferenceMixAndSeedOfTheOptions() {
    var users =
        parse(
                "--preference",
                "no-name,brief",
                "--users",
                "5",
                "--seed",
                "9",
                "--mix",
                "thumbs=1,choice=0,edit=0")
            .users("http://127.0.0.1:1/v1", null, Duration.ofMinutes(2));
    assertThat(users.users()).isEqualTo(5);
    assertThat(users.seed()).isEqualTo(9);
    assertThat(users.duration()).isEqualTo(Duration.ofMinutes(2));
    assertThat(users.mix().choice()).isZero();
  }
}
