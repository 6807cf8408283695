package dev.feedloop.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.synthetic.HiddenPreference;
import dev.feedloop.synthetic.SelfName;
import org.junit.jupiter.api.Test;

class PreferenceSpecTest {
  @Test
  void parsesAnyCombinationAndFormatsItBack() {
    assertThat(PreferenceSpec.parse("athene,polite"))
        .isEqualTo(new HiddenPreference(SelfName.ATHENE, true, null));
    assertThat(PreferenceSpec.parse(" No-Name + impolite + verbose "))
        .isEqualTo(new HiddenPreference(SelfName.NONE, false, false));
    assertThat(PreferenceSpec.parse("brief")).isEqualTo(new HiddenPreference(null, null, true));
    for (String text : new String[] {"athene,polite", "other-name,brief", "impolite,verbose"}) {
      assertThat(PreferenceSpec.format(PreferenceSpec.parse(text))).isEqualTo(text);
    }
  }

  @Test
  void theDefaultCombinesTwoAttributes() {
    HiddenPreference preference = PreferenceSpec.parse(PreferenceSpec.DEFAULT);
    int named =
        (preference.name() == null ? 0 : 1)
            + (preference.polite() == null ? 0 : 1)
            + (preference.brief() == null ? 0 : 1);
    assertThat(named).isGreaterThanOrEqualTo(2);
  }

  @Test
  void rejectsUnknownRepeatedContradictoryAndEmpty() {
    assertThatThrownBy(() -> PreferenceSpec.parse("athene,rude"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'rude'");
    assertThatThrownBy(() -> PreferenceSpec.parse("polite,impolite"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("impolite");
    assertThatThrownBy(() -> PreferenceSpec.parse("athene,no-name"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PreferenceSpec.parse(" , "))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void mixAndNoiseParseWithDefaultsAndBounds() {
    assertThat(FeedbackMix.parse("")).isEqualTo(FeedbackMix.DEFAULT);
    assertThat(FeedbackMix.parse("edit=0,retract=0.2"))
        .isEqualTo(new FeedbackMix(0.5, 0.3, 0, 0.2));
    assertThat(Noise.parse("other-taste=0")).isEqualTo(new Noise(0.05, 0.05, 0));
    assertThat(Noise.parse(Noise.DEFAULT.toString())).isEqualTo(Noise.DEFAULT);
    assertThatThrownBy(() -> Noise.parse("random=1.5"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("random");
    assertThatThrownBy(() -> FeedbackMix.parse("likes=0.3"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("likes");
    assertThatThrownBy(() -> FeedbackMix.parse("thumbs=0,choice=0,edit=0"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
