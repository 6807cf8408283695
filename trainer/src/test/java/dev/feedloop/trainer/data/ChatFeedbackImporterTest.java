package dev.feedloop.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.schemas.ChatMessages;
import dev.feedloop.schemas.FeedbackKind;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.rules.RejectReason;
import dev.feedloop.trainer.data.ChatFeedbackImporter.Source;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Open WebUI's feedback export and Langfuse traces with scores, read into the loop's events. */
class ChatFeedbackImporterTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2025-03-01T12:00:00Z"), ZoneOffset.UTC);

  static Path fixture(String name) {
    try {
      return Path.of(ChatFeedbackImporterTest.class.getResource("/exports/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ChatFeedbackImporter.Result importFixture(
      Source source, String name, Clock clock) {
    return ChatFeedbackImporter.builder(source)
        .modelId("tiny-chat")
        .clock(clock)
        .build()
        .importFiles(List.of(fixture(name)));
  }

  private static Map<String, GenerationLogged> byId(List<GenerationLogged> generations) {
    return generations.stream()
        .collect(Collectors.toMap(GenerationLogged::getGenerationId, Function.identity()));
  }

  @Test
  void openWebUiRatingsBecomeVotesAndArenaRatingsChoices() {
    ChatFeedbackImporter.Result result =
        importFixture(Source.OPEN_WEBUI, "open-webui-feedback.json", CLOCK);

    assertThat(result.itemsRead()).isEqualTo(5);
    assertThat(result.feedback()).hasSize(3);
    assertThat(result.generations()).hasSize(4);
    Map<String, GenerationLogged> generations = byId(result.generations());

    FeedbackReceived up = result.feedback().get(0);
    assertThat(up.getKind()).isEqualTo(FeedbackKind.THUMBS_UP);
    assertThat(up.getUserId()).isEqualTo("u-anna");
    assertThat(up.getComment()).isEqualTo("Accurate information: Short and right.");
    assertThat(up.getReceivedAt()).isEqualTo(CLOCK.instant());
    GenerationLogged paris = generations.get(up.getGenerationId());
    assertThat(paris.getGenerationId()).startsWith("open-webui-generation:");
    assertThat(paris.getPrompt())
        .containsExactly(ChatMessages.user("What is the capital of France?"));
    assertThat(paris.getCompletion()).isEqualTo("Paris.");
    assertThat(paris.getModelId()).isEqualTo("tiny-chat");
    assertThat(paris.getConversationId()).isEqualTo("chat-100");
    assertThat(paris.getUserId()).isEqualTo("u-anna");
    assertThat(paris.getPromptTokens()).isEqualTo(16);
    assertThat(paris.getCompletionTokens()).isEqualTo(3);
    assertThat(paris.getCreatedAt()).isEqualTo(CLOCK.instant());

    // a regenerated answer rated outside the arena is a plain vote on the rated answer
    FeedbackReceived down = result.feedback().get(1);
    assertThat(down.getKind()).isEqualTo(FeedbackKind.THUMBS_DOWN);
    GenerationLogged tea = generations.get(down.getGenerationId());
    assertThat(tea.getCompletion()).isEqualTo("Steep it for ten minutes in boiling water.");
    assertThat(tea.getCandidateIndex()).isEqualTo(1);

    // an arena win: the rated answer chosen over its sibling, both of one request
    FeedbackReceived choice = result.feedback().get(2);
    assertThat(choice.getKind()).isEqualTo(FeedbackKind.CHOICE);
    GenerationLogged haiku = generations.get(choice.getGenerationId());
    GenerationLogged rambling = generations.get(choice.getOtherGenerationId());
    assertThat(haiku.getCompletion()).startsWith("Soft rain on the roof");
    assertThat(rambling.getCompletion()).startsWith("Rain is water");
    assertThat(haiku.getRequestId()).isEqualTo(rambling.getRequestId());
    assertThat(haiku.getPrompt()).isEqualTo(rambling.getPrompt());
    assertThat(haiku.getModelId()).isEqualTo(rambling.getModelId());

    Path file = fixture("open-webui-feedback.json");
    assertThat(result.issues()).hasSize(2);
    assertThat(result.issues().get(0).toString())
        .startsWith(file + ":")
        .contains(
            "malformed: item 3: open-webui: snapshot.chat.chat.history.messages has no message m-999");
    assertThat(result.issues().get(1).reason()).contains(RejectReason.INVALID_FEEDBACK);
    assertThat(result.issues().get(1).detail()).contains("item 4", "data.rating must be 1 or -1");
  }

  @Test
  void aReimportRepeatsEveryIdWhateverItsTime() {
    ChatFeedbackImporter.Result first =
        importFixture(Source.OPEN_WEBUI, "open-webui-feedback.json", CLOCK);
    ChatFeedbackImporter.Result again =
        importFixture(
            Source.OPEN_WEBUI,
            "open-webui-feedback.json",
            Clock.offset(CLOCK, java.time.Duration.ofDays(3)));
    assertThat(again.generations().stream().map(GenerationLogged::getGenerationId))
        .containsExactlyElementsOf(
            first.generations().stream().map(GenerationLogged::getGenerationId).toList());
    assertThat(again.feedback().stream().map(FeedbackReceived::getFeedbackId))
        .containsExactlyElementsOf(
            first.feedback().stream().map(FeedbackReceived::getFeedbackId).toList())
        .doesNotHaveDuplicates();
  }

  @Test
  void langfuseScoresOfTheNameMapToVotesOnWhatTheyScore() {
    ChatFeedbackImporter.Result result =
        importFixture(Source.LANGFUSE, "langfuse-traces.jsonl", CLOCK);

    assertThat(result.itemsRead()).isEqualTo(5);
    Map<String, GenerationLogged> generations = byId(result.generations());
    assertThat(result.feedback())
        .extracting(FeedbackReceived::getKind)
        .containsExactly(
            FeedbackKind.THUMBS_UP, FeedbackKind.THUMBS_DOWN, FeedbackKind.THUMBS_DOWN);
    // the "accuracy" score and the neutral 0.5 are skipped, not errors
    assertThat(result.skipped()).isEqualTo(2);

    GenerationLogged prime = generations.get(result.feedback().get(0).getGenerationId());
    assertThat(prime.getPrompt())
        .containsExactly(
            ChatMessages.system("You are a helpful assistant."),
            ChatMessages.user("Name a prime number above 10."));
    assertThat(prime.getCompletion()).isEqualTo("11 is a prime number above 10.");
    assertThat(prime.getConversationId()).isEqualTo("session-9");
    assertThat(result.feedback().get(0).getUserId()).isEqualTo("lf-user-1");
    assertThat(result.feedback().get(0).getComment()).isEqualTo("correct");

    // a BOOLEAN score on an observation: that generation's messages, the reviewer as user
    FeedbackReceived wrong = result.feedback().get(1);
    GenerationLogged tea = generations.get(wrong.getGenerationId());
    assertThat(tea.getPrompt()).containsExactly(ChatMessages.user("Is green tea caffeinated?"));
    assertThat(tea.getCompletion()).isEqualTo("No, green tea has no caffeine at all.");
    assertThat(tea.getPromptTokens()).isEqualTo(12);
    assertThat(wrong.getUserId()).isEqualTo("reviewer-7");

    GenerationLogged french = generations.get(result.feedback().get(2).getGenerationId());
    assertThat(french.getPrompt()).containsExactly(ChatMessages.user("Say hello in French."));
    assertThat(french.getCompletion()).isEqualTo("Bonjour!");

    Path file = fixture("langfuse-traces.jsonl");
    assertThat(result.issues()).hasSize(2);
    assertThat(result.issues().get(0).toString())
        .isEqualTo(
            file
                + ":4: malformed: item 3: langfuse: the trace has no input and output and no"
                + " GENERATION observation to read them from");
    assertThat(result.issues().get(1).toString())
        .startsWith(file + ":5: malformed: langfuse: invalid JSON");
  }

  @Test
  void scoreMappingIsConfigurable() {
    LangfuseScores.ScoreMapping strictUp =
        new LangfuseScores.ScoreMapping(
            "user-feedback", 2, 0.5, java.util.Set.of("bad"), java.util.Set.of());
    ChatFeedbackImporter.Result result =
        ChatFeedbackImporter.builder(Source.LANGFUSE)
            .clock(CLOCK)
            .scoreMapping(strictUp)
            .build()
            .importFiles(List.of(fixture("langfuse-traces.jsonl")));
    // 1 is no longer up (below 2), 0 (BOOLEAN false) still down, "Bad" now up, 0.5 now down
    assertThat(result.feedback())
        .extracting(FeedbackReceived::getKind)
        .containsExactly(
            FeedbackKind.THUMBS_DOWN, FeedbackKind.THUMBS_UP, FeedbackKind.THUMBS_DOWN);
    assertThatThrownBy(
            () ->
                new LangfuseScores.ScoreMapping("x", 0, 1, java.util.Set.of(), java.util.Set.of()))
        .hasMessageContaining("must be above");
  }

  @Test
  void strictModeFailsAtTheFirstMalformedItemWithFileAndLine() {
    List<RecordDecision> told = new ArrayList<>();
    ChatFeedbackImporter strict =
        ChatFeedbackImporter.builder(Source.OPEN_WEBUI)
            .strict(true)
            .clock(CLOCK)
            .onRejected((decision, text) -> told.add(decision))
            .build();
    Path file = fixture("open-webui-feedback.json");
    assertThatThrownBy(() -> strict.importFiles(List.of(file)))
        .isInstanceOf(DataImportException.class)
        .hasMessageStartingWith(file + ":")
        .hasMessageContaining("item 3", "has no message m-999");
    assertThat(told).isEmpty();
  }
}
