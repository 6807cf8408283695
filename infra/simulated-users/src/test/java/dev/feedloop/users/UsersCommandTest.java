package dev.feedloop.users;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.synthetic.HiddenPreference;
import dev.feedloop.synthetic.SelfName;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class UsersCommandTest {
  @Test
  void optionsBecomeSettings() {
    UsersCommand command = new UsersCommand();
    new CommandLine(command)
        .parseArgs(
            "--base-url",
            "http://serving:9000/v1",
            "--api-key",
            "k",
            "--preference",
            "no-name,brief",
            "--users",
            "3",
            "--rate",
            "2.5",
            "--mix",
            "edit=0",
            "--noise",
            "other-taste=0",
            "--events",
            "40",
            "--seed",
            "9");
    UsersSettings settings = command.settings();
    assertThat(settings.baseUrl()).isEqualTo("http://serving:9000/v1");
    assertThat(settings.apiKey()).isEqualTo("k");
    assertThat(settings.preference()).isEqualTo(new HiddenPreference(SelfName.NONE, null, true));
    assertThat(settings.users()).isEqualTo(3);
    assertThat(settings.requestsPerSecond()).isEqualTo(2.5);
    assertThat(settings.mix()).isEqualTo(new FeedbackMix(0.5, 0.3, 0, 0.05));
    assertThat(settings.noise()).isEqualTo(new Noise(0.05, 0.05, 0));
    assertThat(settings.events()).isEqualTo(40);
    assertThat(settings.duration()).isNull();
    assertThat(settings.seed()).isEqualTo(9);
    assertThat(settings.temperature()).isEqualTo(0.7);
    assertThat(settings.topP()).isEqualTo(1.0);
  }

  @Test
  void defaultsRunAMinuteWithTheDefaultPreference() {
    UsersCommand command = new UsersCommand();
    new CommandLine(command).parseArgs();
    UsersSettings settings = command.settings();
    assertThat(settings.duration()).isEqualTo(Duration.ofMinutes(1));
    assertThat(settings.preference()).isEqualTo(PreferenceSpec.parse(PreferenceSpec.DEFAULT));
    assertThat(settings.mix()).isEqualTo(FeedbackMix.DEFAULT);
    assertThat(settings.noise()).isEqualTo(Noise.DEFAULT);
  }

  @Test
  void aBadPreferenceIsAUsageErrorNamingTheWord() {
    StringWriter err = new StringWriter();
    int code =
        new CommandLine(new UsersCommand())
            .setErr(new PrintWriter(err))
            .execute("--preference", "athene,rude", "--duration", "1s");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("'rude'").contains("--preference");
  }
}
