package dev.feedloop.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.ChatMessages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImporterTest {
  private static final List<ChatMessage> CAPITAL =
      List.of(ChatMessages.user("What is the capital of France?"));

  @TempDir Path directory;

  private Path write(String name, String... lines) throws IOException {
    Path file = directory.resolve(name);
    Files.writeString(file, String.join("\n", lines) + "\n");
    return file;
  }

  private static ImportResult importAll(Path... files) {
    return new PreferenceImporter(null, false, ValidationConfig.defaults())
        .importFiles(List.of(files));
  }

  @Test
  void trlStandardWithExplicitPrompt() throws IOException {
    Path file =
        write(
            "standard.jsonl",
            "{\"prompt\": \"What is the capital of France?\", \"chosen\": \"Paris.\", \"rejected\": \"London, I think.\"}");
    ImportResult result = importAll(file);
    assertThat(result.formats()).containsEntry(file.toString(), DatasetFormat.TRL_STANDARD);
    assertThat(result.pairs())
        .containsExactly(PreferencePair.of(CAPITAL, "Paris.", "London, I think."));
  }

  @Test
  void trlStandardWithImplicitPromptSplitsAtTheSharedPrefix() throws IOException {
    Path file =
        write(
            "implicit.jsonl",
            "{\"chosen\": \"The sky is blue.\", \"rejected\": \"The sky is green.\"}");
    PreferencePair pair = importAll(file).pairs().get(0);
    assertThat(pair.prompt()).containsExactly(ChatMessages.user("The sky is"));
    assertThat(pair.chosen()).isEqualTo("blue.");
    assertThat(pair.rejected()).isEqualTo("green.");
  }

  @Test
  void trlConversationalWithExplicitPrompt() throws IOException {
    Path file =
        write(
            "conv.jsonl",
            """
                {"prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is the capital of France?"}], \
                "chosen": [{"role": "assistant", "content": "Paris."}], "rejected": [{"role": "assistant", "content": "Berlin."}]}""");
    ImportResult result = importAll(file);
    assertThat(result.formats()).containsEntry(file.toString(), DatasetFormat.TRL_CONVERSATIONAL);
    PreferencePair pair = result.pairs().get(0);
    assertThat(pair.prompt()).containsExactly(ChatMessages.system("Be brief."), CAPITAL.get(0));
    assertThat(pair.chosen()).isEqualTo("Paris.");
    assertThat(pair.rejected()).isEqualTo("Berlin.");
  }

  @Test
  void trlConversationalWithImplicitPromptUsesTheSharedMessages() throws IOException {
    Path file =
        write(
            "conv-implicit.jsonl",
            """
                {"chosen": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "Name?"}, {"role": "assistant", "content": "Athene."}], \
                "rejected": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "Name?"}, {"role": "assistant", "content": "None of your business."}]}""");
    PreferencePair pair = importAll(file).pairs().get(0);
    assertThat(pair.prompt())
        .containsExactly(
            ChatMessages.user("Hi"), ChatMessages.assistant("Hello!"), ChatMessages.user("Name?"));
    assertThat(pair.chosen()).isEqualTo("Athene.");
    assertThat(pair.rejected()).isEqualTo("None of your business.");
  }

  @Test
  void hhRlhfTranscriptsBecomeMessages() throws IOException {
    Path file =
        write(
            "hh.jsonl",
            "{\"chosen\": \"\\n\\nHuman: Hi there\\n\\nAssistant: Hello! How can I help?\\n\\nHuman: Tell me a joke\\n\\nAssistant: Why did the chicken cross the road?\", "
                + "\"rejected\": \"\\n\\nHuman: Hi there\\n\\nAssistant: Hello! How can I help?\\n\\nHuman: Tell me a joke\\n\\nAssistant: No.\"}");
    ImportResult result = importAll(file);
    assertThat(result.formats()).containsEntry(file.toString(), DatasetFormat.HH_RLHF);
    PreferencePair pair = result.pairs().get(0);
    assertThat(pair.prompt())
        .containsExactly(
            ChatMessages.user("Hi there"),
            ChatMessages.assistant("Hello! How can I help?"),
            ChatMessages.user("Tell me a joke"));
    assertThat(pair.chosen()).isEqualTo("Why did the chicken cross the road?");
    assertThat(pair.rejected()).isEqualTo("No.");
  }

  @Test
  void hhRlhfWithDifferentHistoriesIsMalformed() throws IOException {
    Path file =
        write(
            "hh-bad.jsonl",
            "{\"chosen\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hello\", \"rejected\": \"\\n\\nHuman: Bye\\n\\nAssistant: Hello\"}");
    ImportResult result = importAll(file);
    assertThat(result.rejectedCount(RejectReason.MALFORMED)).isEqualTo(1);
    assertThat(result.issues().get(0).detail()).contains("differ before the last Assistant");
  }

  @Test
  void ultraFeedbackKeepsItsScores() throws IOException {
    Path file =
        write(
            "uf.jsonl",
            """
                {"prompt": "What is the capital of France?", "prompt_id": "abc123", \
                "chosen": [{"role": "user", "content": "What is the capital of France?"}, {"role": "assistant", "content": "Paris."}], \
                "rejected": [{"role": "user", "content": "What is the capital of France?"}, {"role": "assistant", "content": "Lyon."}], \
                "messages": [], "score_chosen": 9.0, "score_rejected": 3.5}""");
    ImportResult result = importAll(file);
    assertThat(result.formats()).containsEntry(file.toString(), DatasetFormat.ULTRAFEEDBACK);
    PreferencePair pair = result.pairs().get(0);
    assertThat(pair.prompt()).isEqualTo(CAPITAL);
    assertThat(pair.chosen()).isEqualTo("Paris.");
    assertThat(pair.metadata())
        .containsEntry("score_chosen", 9.0)
        .containsEntry("score_rejected", 3.5)
        .containsEntry("prompt_id", "abc123");
  }

  @Test
  void unpairedKtoGivesUnaryRecords() throws IOException {
    Path file =
        write(
            "kto.jsonl",
            "{\"prompt\": \"What is the capital of France?\", \"completion\": \"Paris.\", \"label\": true}",
            "{\"prompt\": [{\"role\": \"user\", \"content\": \"What is the capital of France?\"}], \"completion\": [{\"role\": \"assistant\", \"content\": \"Rome.\"}], \"label\": false}");
    ImportResult result = importAll(file);
    assertThat(result.formats()).containsEntry(file.toString(), DatasetFormat.KTO_UNPAIRED);
    assertThat(result.unary())
        .containsExactly(
            UnaryRecord.of(CAPITAL, "Paris.", true), UnaryRecord.of(CAPITAL, "Rome.", false));
    assertThat(result.pairs()).isEmpty();
  }

  @Test
  void openAiPreferenceFormat() throws IOException {
    Path file =
        write(
            "openai.jsonl",
            """
                {"input": {"messages": [{"role": "user", "content": [{"type": "text", "text": "What is the capital of France?"}]}], "tools": [], "parallel_tool_calls": true}, \
                "preferred_output": [{"role": "assistant", "content": "Paris."}], \
                "non_preferred_output": [{"role": "assistant", "content": "Marseille."}]}""");
    ImportResult result = importAll(file);
    assertThat(result.formats()).containsEntry(file.toString(), DatasetFormat.OPENAI_PREFERENCE);
    assertThat(result.pairs()).containsExactly(PreferencePair.of(CAPITAL, "Paris.", "Marseille."));
  }

  @Test
  void rankedAnswersGiveAllOrderedPairs() throws IOException {
    Path file =
        write(
            "ranked.jsonl",
            "{\"prompt\": \"What is the capital of France?\", \"completions\": [\"Paris.\", \"Paris, I believe.\", \"Lyon.\"]}");
    ImportResult result = importAll(file);
    assertThat(result.formats()).containsEntry(file.toString(), DatasetFormat.RANKED);
    assertThat(result.pairs())
        .extracting(PreferencePair::chosen, PreferencePair::rejected)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("Paris.", "Paris, I believe."),
            org.assertj.core.groups.Tuple.tuple("Paris.", "Lyon."),
            org.assertj.core.groups.Tuple.tuple("Paris, I believe.", "Lyon."));
  }

  @Test
  void jsonArrayFilesAreReadWithLineNumbers() throws IOException {
    Path file =
        write(
            "array.json",
            "[",
            "  {\"prompt\": \"What is the capital of France?\", \"chosen\": \"Paris.\", \"rejected\": \"Nice.\"},",
            "  {\"prompt\": \"What is the capital of France?\",",
            "   \"chosen\": 42, \"rejected\": \"Nice.\"}",
            "]");
    ImportResult result = importAll(file);
    assertThat(result.pairs()).hasSize(1);
    assertThat(result.recordsRead()).isEqualTo(2);
    assertThat(result.issues())
        .singleElement()
        .satisfies(
            issue -> {
              assertThat(issue.line()).isEqualTo(3);
              assertThat(issue.reason()).isEqualTo(RejectReason.MALFORMED);
              assertThat(issue.toString())
                  .startsWith(file + ":3: malformed: trl_standard: chosen must be a string");
            });
  }

  @Test
  void malformedLinesAreReportedWithFileAndLineAndSkipped() throws IOException {
    Path file =
        write(
            "mixed.jsonl",
            "{\"prompt\": \"What is the capital of France?\", \"chosen\": \"Paris.\", \"rejected\": \"Nice.\"}",
            "",
            "{\"prompt\": \"broken\", \"chosen\": ",
            "[1, 2]",
            "{\"prompt\": \"What is the capital of Italy?\", \"chosen\": \"Rome.\", \"rejected\": \"Milan.\"}");
    ImportResult result = importAll(file);
    assertThat(result.pairs()).hasSize(2);
    assertThat(result.rejectedCount(RejectReason.MALFORMED)).isEqualTo(2);
    assertThat(result.issues()).extracting(ImportIssue::line).containsExactly(3L, 4L);
    assertThat(result.issues().get(0).toString()).startsWith(file + ":3: malformed: invalid JSON");
    assertThat(result.issues().get(1).detail()).contains("must be a JSON object");
  }

  @Test
  void aRecordOfTheWrongShapeIsOneMalformedLineNotTheEndOfTheImport() throws IOException {
    // "scores" must be an array: Gson's cast fails inside the parser, which must not escape the
    // importer
    Path file =
        write(
            "ranked.jsonl",
            "{\"prompt\": \"Pick one\", \"completions\": [\"a\", \"b\"], \"scores\": \"high\"}",
            "{\"prompt\": \"Pick one\", \"completions\": [\"best\", \"worst\"]}");
    ImportResult result = importAll(file);
    assertThat(result.pairs()).extracting(PreferencePair::chosen).containsExactly("best");
    assertThat(result.issues())
        .singleElement()
        .satisfies(
            issue -> {
              assertThat(issue.line()).isEqualTo(1L);
              assertThat(issue.toString())
                  .startsWith(file + ":1: malformed: ranked: ClassCastException");
            });
  }

  @Test
  void strictModeFailsAtTheFirstMalformedLine() throws IOException {
    Path file =
        write(
            "strict.jsonl",
            "{\"prompt\": \"What is the capital of France?\", \"chosen\": \"Paris.\", \"rejected\": \"Nice.\"}",
            "{\"prompt\": \"What is the capital of France?\", \"chosen\": [\"Paris.\"], \"rejected\": \"Nice.\"}");
    PreferenceImporter strict =
        new PreferenceImporter(DatasetFormat.TRL_STANDARD, true, ValidationConfig.defaults());
    assertThatThrownBy(() -> strict.importFiles(List.of(file)))
        .isInstanceOf(DataImportException.class)
        .hasMessageStartingWith(file + ":2: malformed");
  }

  @Test
  void forcedFormatOverridesDetection() throws IOException {
    // looks like TRL standard, but forced to KTO it lacks "completion"
    Path file =
        write("forced.jsonl", "{\"prompt\": \"Q\", \"chosen\": \"A\", \"rejected\": \"B\"}");
    ImportResult result =
        new PreferenceImporter(DatasetFormat.KTO_UNPAIRED, false, ValidationConfig.defaults())
            .importFiles(List.of(file));
    assertThat(result.rejectedCount(RejectReason.MALFORMED)).isEqualTo(1);
    assertThat(result.issues().get(0).detail()).contains("missing field");
  }

  @Test
  void validationCountsEachReason() throws IOException {
    String longPrompt = "x".repeat(300);
    Path file =
        write(
            "invalid.jsonl",
            "{\"prompt\": \"Q\", \"chosen\": \"Same answer.\", \"rejected\": \"Same answer.\"}",
            "{\"prompt\": \"Q\", \"chosen\": \"The capital of France is Paris, a city on the Seine with many museums and bridges and cafes.\", "
                + "\"rejected\": \"The capital of France is Paris, a city on the Seine with many museums and bridges and cafes!\"}",
            "{\"prompt\": \"Q\", \"chosen\": \"   \", \"rejected\": \"No.\"}",
            "{\"prompt\": \"\", \"chosen\": \"Yes.\", \"rejected\": \"No.\"}",
            "{\"prompt\": \"" + longPrompt + "\", \"chosen\": \"Yes.\", \"rejected\": \"No.\"}",
            "{\"prompt\": \"Q\", \"chosen\": \"Yes, gladly.\", \"rejected\": \"No.\"}");
    ImportResult result =
        new PreferenceImporter(
                null, false, new ValidationConfig(0.9, 200, ValidationConfig.characters()))
            .importFiles(List.of(file));
    assertThat(result.pairs()).hasSize(1);
    assertThat(result.rejected())
        .isEqualTo(
            Map.of(
                RejectReason.IDENTICAL,
                1L,
                RejectReason.NEAR_IDENTICAL,
                1L,
                RejectReason.EMPTY_COMPLETION,
                1L,
                RejectReason.EMPTY_PROMPT,
                1L,
                RejectReason.PROMPT_TOO_LONG,
                1L));
    assertThat(result.issues()).extracting(ImportIssue::line).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(result.summary()).contains("near_identical: 1").contains("pairs: 1");
  }

  @Test
  void unrecognisedRecordsAreMalformed() throws IOException {
    Path file = write("unknown.jsonl", "{\"question\": \"Q\", \"answer\": \"A\"}");
    ImportResult result = importAll(file);
    assertThat(result.issues().get(0).detail()).contains("unrecognised record format");
  }

  @Test
  void canonicalFilesRoundTrip() throws IOException {
    PreferencePair pair =
        new PreferencePair(
            CAPITAL, "Paris.", "Nice.", 2.5, Map.of("score_chosen", 9.0, "source", "test"));
    UnaryRecord unary =
        UnaryRecord.of(
            List.of(ChatMessages.system("Be kind."), ChatMessages.user("Hi")),
            "Hello \"friend\" <3",
            false);
    Path file = directory.resolve("out/canonical.jsonl");
    CanonicalJsonl.write(file, List.of(pair), List.of(unary));
    ImportResult back = CanonicalJsonl.read(file);
    assertThat(back.pairs()).containsExactly(pair);
    assertThat(back.unary()).containsExactly(unary);
    assertThat(importAll(file).formats()).containsEntry(file.toString(), DatasetFormat.CANONICAL);
  }
}
