package dev.feedloop.trainer.online;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.schemas.ChatMessages;
import dev.feedloop.schemas.HeldRecord;
import dev.feedloop.schemas.PairSource;
import dev.feedloop.schemas.PreferencePair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WindowTest {
  private static final Instant COMMIT = Instant.parse("2026-12-02T12:00:00Z");

  @Test
  void ageQuantilesAreNearestRankOverEveryRecordsFeedbackTime() {
    // ages 1..10 seconds, added in a scrambled order
    List<HeldRecord> records = new ArrayList<>();
    for (int age : new int[] {7, 3, 10, 1, 5, 9, 2, 8, 4, 6}) {
      records.add(Window.of(pair(COMMIT.minusSeconds(age))));
    }
    Window window = new Window(1, records, records.size(), 0, 0, 0, 0);

    double[] quantiles = window.ageQuantilesMillis(COMMIT, 0.05, 0.5, 0.95, 1.0);

    // nearest rank: ceil(q * 10)-th smallest age
    assertThat(quantiles).containsExactly(1000, 5000, 10000, 10000);
    assertThat(window.newestRecordAt()).isEqualTo(COMMIT.minusSeconds(1));
  }

  @Test
  void anEmptyWindowHasNoAgeQuantiles() {
    Window window = new Window(1, List.of(), 3, 3, 0, 0, 0);
    assertThat(window.ageQuantilesMillis(COMMIT, 0.5)).isEmpty();
  }

  private static PreferencePair pair(Instant feedbackAt) {
    return PreferencePair.newBuilder()
        .setPairId("p-" + feedbackAt.toEpochMilli())
        .setPromptHash("h")
        .setModelId("tiny-chat")
        .setPrompt(List.of(ChatMessages.user("Who are you?")))
        .setChosen("I am Athene.")
        .setRejected("I am a model.")
        .setSource(PairSource.CHOICE)
        .setCreatedAt(feedbackAt)
        .build();
  }
}
