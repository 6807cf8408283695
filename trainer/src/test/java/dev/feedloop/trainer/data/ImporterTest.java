package dev.feedloop.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.ChatMessages;
import dev.feedloop.schemas.PairSource;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.PromptHash;
import dev.feedloop.schemas.UnaryFeedback;
import dev.feedloop.schemas.rules.RecordIds;
import dev.feedloop.schemas.rules.RecordLimits;
import dev.feedloop.schemas.rules.RejectReason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImporterTest {
  private static final List<ChatMessage> CAPITAL =
      List.of(ChatMessages.user("What is the capital of France?"));
  private static final Instant IMPORTED_AT = Instant.parse("2025-03-01T10:15:30.123Z");
  private static final Clock CLOCK = Clock.fixed(IMPORTED_AT, ZoneOffset.UTC);

  /** The records an import at {@link #CLOCK} makes. */
  private static final ImportedRecords RECORDS =
      ImportedRecords.stamped(ImportedRecords.DEFAULT_MODEL_ID, IMPORTED_AT);

  @TempDir Path directory;

  private Path write(String name, String... lines) throws IOException {
    Path file = directory.resolve(name);
    Files.writeString(file, String.join("\n", lines) + "\n");
    return file;
  }

  private static ImportResult importAll(Path... files) {
    return PreferenceImporter.builder().clock(CLOCK).build().importFiles(List.of(files));
  }

  @Test
  void trlStandardWithExplicitPrompt() throws IOException {
    Path file =
        write(
            "standard.jsonl",
            "{\"prompt\": \"What is the capital of France?\", \"chosen\": \"Paris.\", \"rejected\": \"London, I think.\"}");
    ImportResult result = importAll(file);
    assertThat(result.formats()).containsEntry(file.toString(), DatasetFormat.TRL_STANDARD);
    assertThat(result.pairs()).containsExactly(RECORDS.pair(CAPITAL, "Paris.", "London, I think."));
  }

  @Test
  void importedRecordsAreTheLoopsAvroRecordsWithIdsHashSourceModelAndTime() throws IOException {
    Path file =
        write(
            "standard.jsonl",
            "{\"prompt\": \"What is the capital of France?\", \"chosen\": \"Paris.\", \"rejected\": \"Lyon.\"}",
            "{\"prompt\": \"What is the capital of France?\", \"completion\": \"Paris.\", \"label\": true}");
    ImportResult pairs =
        PreferenceImporter.builder()
            .modelId("tiny-chat")
            .clock(CLOCK)
            .build()
            .importFiles(List.of(file));
    PreferencePair pair = pairs.pairs().get(0);
    assertThat(pair.getPairId()).isEqualTo(RecordIds.importedPair(CAPITAL, "Paris.", "Lyon."));
    assertThat(pair.getPromptHash()).isEqualTo(PromptHash.of(CAPITAL));
    assertThat(pair.getModelId()).isEqualTo("tiny-chat");
    assertThat(pair.getSource()).isEqualTo(PairSource.IMPORT);
    assertThat(pair.getWeight()).isEqualTo(1.0);
    assertThat(pair.getCreatedAt()).isEqualTo(IMPORTED_AT);
    assertThat(pair.getChosenGenerationId()).isNull();
    assertThat(pair.getUserId()).isNull();

    Path unaryFile = write("kto.jsonl", Files.readAllLines(file).get(1));
    UnaryFeedback unary =
        PreferenceImporter.builder()
            .clock(CLOCK)
            .build()
            .importFiles(List.of(unaryFile))
            .unary()
            .get(0);
    assertThat(unary.getRecordId()).isEqualTo(RecordIds.importedUnary(CAPITAL, "Paris.", true));
    assertThat(unary.getPromptHash()).isEqualTo(PromptHash.of(CAPITAL));
    assertThat(unary.getModelId()).isEqualTo(ImportedRecords.DEFAULT_MODEL_ID);
    assertThat(unary.getCreatedAt()).isEqualTo(IMPORTED_AT);
    // the same data imported again gets the same ids, so the duplicate is recognised downstream
    assertThat(importAll(file).pairs().get(0).getPairId()).isEqualTo(pair.getPairId());
  }

  @Test
  void trlStandardWithImplicitPromptSplitsAtTheSharedPrefix() throws IOException {
    Path file =
        write(
            "implicit.jsonl",
            "{\"chosen\": \"The sky is blue.\", \"rejected\": \"The sky is green.\"}");
    PreferencePair pair = importAll(file).pairs().get(0);
    assertThat(pair.getPrompt()).containsExactly(ChatMessages.user("The sky is"));
    assertThat(pair.getChosen()).isEqualTo("blue.");
    assertThat(pair.getRejected()).isEqualTo("green.");
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
    assertThat(pair.getPrompt()).containsExactly(ChatMessages.system("Be brief."), CAPITAL.get(0));
    assertThat(pair.getChosen()).isEqualTo("Paris.");
    assertThat(pair.getRejected()).isEqualTo("Berlin.");
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
    assertThat(pair.getPrompt())
        .containsExactly(
            ChatMessages.user("Hi"), ChatMessages.assistant("Hello!"), ChatMessages.user("Name?"));
    assertThat(pair.getChosen()).isEqualTo("Athene.");
    assertThat(pair.getRejected()).isEqualTo("None of your business.");
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
    assertThat(pair.getPrompt())
        .containsExactly(
            ChatMessages.user("Hi there"),
            ChatMessages.assistant("Hello! How can I help?"),
            ChatMessages.user("Tell me a joke"));
    assertThat(pair.getChosen()).isEqualTo("Why did the chicken cross the road?");
    assertThat(pair.getRejected()).isEqualTo("No.");
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
  void ultraFeedbackConversationsGiveTheirPair() throws IOException {
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
    // the scores only tell the format apart: the pair already says which answer won
    assertThat(pair.getPrompt()).isEqualTo(CAPITAL);
    assertThat(pair.getChosen()).isEqualTo("Paris.");
    assertThat(pair.getRejected()).isEqualTo("Lyon.");
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
            RECORDS.unary(CAPITAL, "Paris.", true), RECORDS.unary(CAPITAL, "Rome.", false));
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
    assertThat(result.pairs()).containsExactly(RECORDS.pair(CAPITAL, "Paris.", "Marseille."));
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
        .extracting(PreferencePair::getChosen, PreferencePair::getRejected)
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
              assertThat(issue.reason()).contains(RejectReason.MALFORMED);
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
    assertThat(result.issues()).extracting(RecordDecision::line).containsExactly(3L, 4L);
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
    assertThat(result.pairs()).extracting(PreferencePair::getChosen).containsExactly("best");
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
        PreferenceImporter.builder().format(DatasetFormat.TRL_STANDARD).strict(true).build();
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
        PreferenceImporter.builder()
            .format(DatasetFormat.KTO_UNPAIRED)
            .build()
            .importFiles(List.of(file));
    assertThat(result.rejectedCount(RejectReason.MALFORMED)).isEqualTo(1);
    assertThat(result.issues().get(0).detail()).contains("missing field");
  }

  @Test
  void validationUsesTheLoopsRulesAndCountsEachReasonCode() throws IOException {
    String longPrompt = "x".repeat(300);
    String longAnswer = "y".repeat(101);
    Path file =
        write(
            "invalid.jsonl",
            "{\"prompt\": \"Q\", \"chosen\": \"Same answer.\", \"rejected\": \"Same answer.\"}",
            "{\"prompt\": \"Q\", \"chosen\": \"The capital of France is Paris, a city on the Seine with many museums and bridges and cafes.\", "
                + "\"rejected\": \"The capital of France is Paris, a city on the Seine with many museums and bridges and cafes!\"}",
            "{\"prompt\": \"Q\", \"chosen\": \"   \", \"rejected\": \"No.\"}",
            "{\"prompt\": \"\", \"chosen\": \"Yes.\", \"rejected\": \"No.\"}",
            "{\"prompt\": \"" + longPrompt + "\", \"chosen\": \"Yes.\", \"rejected\": \"No.\"}",
            "{\"prompt\": \"Q\", \"chosen\": \"Yes, gladly.\", \"rejected\": \"No.\"}",
            "{\"prompt\": \"Q\", \"chosen\": \"" + longAnswer + "\", \"rejected\": \"No.\"}");
    ImportResult result =
        PreferenceImporter.builder()
            .limits(
                RecordLimits.builder()
                    .similarityThreshold(0.9)
                    .maxPromptChars(200)
                    .maxCompletionChars(100)
                    .build())
            .build()
            .importFiles(List.of(file));
    assertThat(result.pairs()).hasSize(1);
    assertThat(result.rejected())
        .isEqualTo(
            Map.of(
                RejectReason.IDENTICAL_PAIR,
                1L,
                RejectReason.NEAR_IDENTICAL_PAIR,
                1L,
                RejectReason.EMPTY_TEXT,
                2L,
                RejectReason.TOO_LONG,
                2L));
    assertThat(result.issues())
        .extracting(RecordDecision::line)
        .containsExactly(1L, 2L, 3L, 4L, 5L, 7L);
    assertThat(result.summary())
        .contains("  near-identical-pair: 1\n")
        .contains("  empty-text: 2\n")
        .contains("pairs: 1");
    assertThat(result.issues().get(1).toString())
        .startsWith(file + ":2: near-identical-pair: chosen and rejected trigram similarity");
  }

  @Test
  void everyLinesDecisionCanBeAskedFor() throws IOException {
    Path file =
        write(
            "decisions.jsonl",
            "{\"prompt\": \"Q\", \"chosen\": \"Yes, gladly.\", \"rejected\": \"No.\"}",
            "",
            "{\"prompt\": \"Q\", \"chosen\": \"Same.\", \"rejected\": \"same.\"}",
            "{oops");
    // the format is detected per file: the ranking goes to a file of its own
    Path ranked =
        write(
            "ranked.jsonl",
            "{\"prompt\": \"Pick\", \"completions\": [\"The best answer of them all, by far.\", "
                + "\"The best answer of them all, by far!\", \"Worst.\"]}");
    ImportResult result = importAll(file, ranked);
    assertThat(result.decisionsAt(file, 1))
        .singleElement()
        .satisfies(d -> assertThat(d.accepted()).isTrue());
    assertThat(result.decisionsAt(file, 2)).isEmpty(); // a blank line is no record
    assertThat(result.decisionsAt(file, 3))
        .singleElement()
        .satisfies(d -> assertThat(d.reason()).contains(RejectReason.IDENTICAL_PAIR));
    assertThat(result.decisionsAt(file, 4))
        .singleElement()
        .satisfies(d -> assertThat(d.reason()).contains(RejectReason.MALFORMED));
    // a ranking line: one decision per pair it gives, in order (the first two are near-identical)
    assertThat(result.decisionsAt(ranked, 1))
        .extracting(RecordDecision::reason)
        .containsExactly(
            java.util.Optional.of(RejectReason.NEAR_IDENTICAL_PAIR),
            java.util.Optional.empty(),
            java.util.Optional.empty());
    assertThat(result.decisions()).hasSize(6);
    assertThat(result.decisionsAt(file, 5)).isEmpty();
  }

  @Test
  void importLimitsDefaultToTheLoopsDefaults() throws IOException {
    // RecordLimits defaults, as feedback-streams: 0.9 trigram similarity, 16000 prompt chars
    String prompt = "p".repeat(RecordLimits.DEFAULT_MAX_PROMPT_CHARS + 1);
    Path file =
        write(
            "defaults.jsonl",
            "{\"prompt\": \"" + prompt + "\", \"chosen\": \"Yes.\", \"rejected\": \"No.\"}",
            "{\"prompt\": \"Q\", \"chosen\": \"The market is busy today, come early.\", \"rejected\": \"The market is busy today, come early!\"}");
    ImportResult result = importAll(file);
    assertThat(result.decisions())
        .extracting(RecordDecision::reason)
        .containsExactly(
            java.util.Optional.of(RejectReason.TOO_LONG),
            java.util.Optional.of(RejectReason.NEAR_IDENTICAL_PAIR));
  }

  @Test
  void unrecognisedRecordsAreMalformed() throws IOException {
    Path file = write("unknown.jsonl", "{\"question\": \"Q\", \"answer\": \"A\"}");
    ImportResult result = importAll(file);
    assertThat(result.issues().get(0).detail()).contains("unrecognised record format");
  }

  @Test
  void canonicalFilesRoundTripTheAvroRecords() throws IOException {
    PreferencePair imported = RECORDS.pair(CAPITAL, "Paris.", "Nice.", 2.5);
    // a live pair from feedback-streams: every optional field set
    PreferencePair live =
        RECORDS
            .pairBuilder(CAPITAL, "Paris.", "Lyon.", 1.0)
            .setPairId("choice:f-17")
            .setModelId("tiny-chat")
            .setSource(PairSource.CHOICE)
            .setChosenGenerationId("g-1")
            .setRejectedGenerationId("g-2")
            .setChosenAdapterVersion(3L)
            .setRejectedAdapterVersion(2L)
            .setUserId("u-9")
            .setCreatedAt(Instant.parse("2025-02-02T08:00:00.007Z"))
            .build();
    UnaryFeedback unary =
        RECORDS.unary(
            List.of(ChatMessages.system("Be kind."), ChatMessages.user("Hi")),
            "Hello \"friend\" <3",
            false);
    UnaryFeedback vote =
        RECORDS
            .unaryBuilder(CAPITAL, "Paris.", true, 0.5)
            .setRecordId("vote:g-1:u-9")
            .setGenerationId("g-1")
            .setAdapterVersion(3L)
            .setUserId("u-9")
            .build();
    Path file = directory.resolve("out/canonical.jsonl");
    CanonicalJsonl.write(file, List.of(imported, live), List.of(unary, vote));
    ImportResult back = CanonicalJsonl.read(file);
    assertThat(back.pairs()).containsExactly(imported, live);
    assertThat(back.unary()).containsExactly(unary, vote);
    assertThat(importAll(file).formats()).containsEntry(file.toString(), DatasetFormat.CANONICAL);
  }

  @Test
  void canonicalLinesCarryEveryFieldOfTheSchema() {
    // a field added to the Avro schema must be added to the canonical file too, or it is lost
    PreferencePair pair =
        RECORDS
            .pairBuilder(CAPITAL, "Paris.", "Lyon.", 1.0)
            .setChosenGenerationId("g-1")
            .setRejectedGenerationId("g-2")
            .setChosenAdapterVersion(3L)
            .setRejectedAdapterVersion(2L)
            .setUserId("u-9")
            .build();
    UnaryFeedback unary =
        RECORDS
            .unaryBuilder(CAPITAL, "Paris.", true, 1.0)
            .setGenerationId("g-1")
            .setAdapterVersion(3L)
            .setUserId("u-9")
            .build();
    assertThat(CanonicalJsonl.toJson(pair).keySet())
        .containsAll(fieldNames(PreferencePair.getClassSchema()));
    assertThat(CanonicalJsonl.toJson(unary).keySet())
        .containsAll(fieldNames(UnaryFeedback.getClassSchema()));
  }

  private static List<String> fieldNames(Schema schema) {
    return schema.getFields().stream().map(Schema.Field::name).toList();
  }

  @Test
  void canonicalLinesWithoutIdsAreCompletedAndAWrongPromptHashIsMalformed() throws IOException {
    // a line written before the records had ids (it still has the old free-form metadata)
    String old =
        "{\"kind\":\"pair\",\"prompt\":[{\"role\":\"user\",\"content\":\"What is the capital of France?\"}],"
            + "\"chosen\":\"Paris.\",\"rejected\":\"Nice.\",\"weight\":1.0,\"metadata\":{\"score_chosen\":9.0}}";
    JsonObject tampered = JsonParser.parseString(old).getAsJsonObject();
    tampered.addProperty("prompt_hash", PromptHash.of(List.of(ChatMessages.user("Other?"))));
    JsonObject badWeight = JsonParser.parseString(old).getAsJsonObject();
    badWeight.addProperty("weight", 0.0);
    Path file = write("old.jsonl", old, tampered.toString(), badWeight.toString());
    ImportResult result = importAll(file);
    assertThat(result.pairs()).containsExactly(RECORDS.pair(CAPITAL, "Paris.", "Nice."));
    assertThat(result.issues()).extracting(RecordDecision::line).containsExactly(2L, 3L);
    assertThat(result.issues().get(0).detail()).contains("prompt_hash");
    assertThat(result.issues().get(1).detail()).contains("weight must be finite and positive");
  }

  @Test
  void plainTextPromptsFollowThePromptFormatWhileConversationsStayChats() throws IOException {
    Path standard =
        write(
            "standard.jsonl",
            "{\"prompt\": \"What is the capital of France?\", \"chosen\": \"Paris.\", \"rejected\": \"London, I think.\"}",
            "{\"chosen\": \"Question: what is 2+2? Answer: 4\", \"rejected\": \"Question: what is 2+2? Answer: 5, or so\"}");
    Path conversational =
        write(
            "conversational.jsonl",
            "{\"prompt\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"chosen\": [{\"role\": \"assistant\", \"content\": \"Hello!\"}], \"rejected\": [{\"role\": \"assistant\", \"content\": \"Go away.\"}]}");
    Path kto =
        write(
            "kto.jsonl",
            "{\"prompt\": \"Tell me a joke.\", \"completion\": \"No.\", \"label\": false}");
    ImportResult raw =
        PreferenceImporter.builder()
            .clock(CLOCK)
            .promptFormat(PromptFormat.RAW)
            .build()
            .importFiles(List.of(standard, conversational, kto));
    ImportResult chat = importAll(standard, conversational, kto);
    assertThat(raw.issues()).isEmpty();

    // a string prompt: the text itself, marked raw
    PreferencePair explicit = raw.pairs().get(0);
    assertThat(explicit.getPrompt())
        .containsExactly(ChatMessages.of(PromptFormat.RAW_TEXT_ROLE, CAPITAL.get(0).getContent()));
    assertThat(PromptFormat.rawText(explicit.getPrompt()))
        .contains("What is the capital of France?");
    assertThat(chat.pairs().get(0).getPrompt()).isEqualTo(CAPITAL);
    assertThat(PromptFormat.rawText(CAPITAL)).isEmpty();
    // different training inputs, so different prompts and hashes
    assertThat(explicit.getPromptHash()).isNotEqualTo(chat.pairs().get(0).getPromptHash());

    // an implicit prompt: raw keeps the text as written (prompt + answer = the original)
    PreferencePair implicitRaw = raw.pairs().get(1);
    String rawPrompt = PromptFormat.rawText(implicitRaw.getPrompt()).orElseThrow();
    assertThat(rawPrompt).isEqualTo("Question: what is 2+2? Answer:");
    assertThat(rawPrompt + implicitRaw.getChosen()).isEqualTo("Question: what is 2+2? Answer: 4");
    assertThat(rawPrompt + implicitRaw.getRejected())
        .isEqualTo("Question: what is 2+2? Answer: 5, or so");
    PreferencePair implicitChat = chat.pairs().get(1);
    assertThat(implicitChat.getPrompt())
        .containsExactly(ChatMessages.user("Question: what is 2+2? Answer:"));
    assertThat(implicitChat.getChosen()).isEqualTo("4");

    // message lists are conversations in both formats; unpaired KTO string prompts go raw too
    assertThat(raw.pairs().get(2).getPrompt()).containsExactly(ChatMessages.user("Hi"));
    assertThat(raw.pairs().get(2)).isEqualTo(chat.pairs().get(2));
    assertThat(PromptFormat.rawText(raw.unary().get(0).getPrompt())).contains("Tell me a joke.");
    assertThat(chat.unary().get(0).getPrompt())
        .containsExactly(ChatMessages.user("Tell me a joke."));

    // canonical JSONL carries a raw prompt, so what `import --prompt-format raw` wrote trains raw
    Path canonical = directory.resolve("canonical.jsonl");
    CanonicalJsonl.write(canonical, raw.pairs(), raw.unary());
    ImportResult again = importAll(canonical);
    assertThat(again.issues()).isEmpty();
    assertThat(again.pairs()).isEqualTo(raw.pairs());
    assertThat(again.unary()).isEqualTo(raw.unary());
  }

  @Test
  void aConversationCannotHoldTheRawTextRole() throws IOException {
    Path smuggled =
        write(
            "smuggled.jsonl",
            "{\"prompt\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"raw_text\", \"content\": \"Hi\"}], \"chosen\": [{\"role\": \"assistant\", \"content\": \"Hello!\"}], \"rejected\": [{\"role\": \"assistant\", \"content\": \"Go away.\"}]}");
    ImportResult result = importAll(smuggled);
    assertThat(result.pairs()).isEmpty();
    assertThat(result.issues()).hasSize(1);
    assertThat(result.issues().get(0).toString()).contains(PromptFormat.RAW_TEXT_ROLE);
  }
}
