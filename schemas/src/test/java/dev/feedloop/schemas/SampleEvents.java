package dev.feedloop.schemas;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/** One fully populated instance of every event, for round-trip tests in any module. */
public final class SampleEvents {

  /** Avro timestamp_ms keeps milliseconds: samples must not carry finer precision. */
  public static final Instant NOW =
      Instant.parse("2026-11-22T10:15:30.123Z").truncatedTo(ChronoUnit.MILLIS);

  static {
    // builders deep-copy record-typed defaults (TrainerMetrics.consumed = []), which Avro 1.12.2
    // allows only for trusted classes; samples may be built before any serde is loaded
    AvroTrust.install();
  }

  private SampleEvents() {}

  public static List<ChatMessage> prompt(String question) {
    return List.of(
        new ChatMessage("system", "You are a helpful assistant."),
        new ChatMessage("user", question));
  }

  public static GenerationLogged generation(
      String generationId, String question, String completion) {
    return GenerationLogged.newBuilder()
        .setGenerationId(generationId)
        .setRequestId("req-" + generationId)
        .setCandidateIndex(0)
        .setModelId("tiny-chat")
        .setAdapterVersion(3L)
        .setUserId("user-7")
        .setConversationId("conv-1")
        .setPrompt(prompt(question))
        .setCompletion(completion)
        .setFinishReason("stop")
        .setSampling(
            SamplingParameters.newBuilder()
                .setTemperature(0.7f)
                .setTopP(0.9f)
                .setTopK(40)
                .setMaxTokens(64)
                .setSeed(42L)
                .setStop(List.of("<|im_end|>"))
                .build())
        .setPromptTokens(17)
        .setCompletionTokens(9)
        .setCompletionLogprob(-12.5)
        .setCreatedAt(NOW)
        .build();
  }

  public static FeedbackReceived choice(String chosenId, String rejectedId) {
    return FeedbackReceived.newBuilder()
        .setFeedbackId("fb-" + chosenId)
        .setGenerationId(chosenId)
        .setUserId("user-7")
        .setKind(FeedbackKind.CHOICE)
        .setOtherGenerationId(rejectedId)
        .setComment("the first one is friendlier")
        .setReceivedAt(NOW)
        .build();
  }

  public static PreferencePair pair() {
    return PreferencePair.newBuilder()
        .setPairId("pair-1")
        .setPromptHash("9f2c")
        .setModelId("tiny-chat")
        .setPrompt(prompt("Who are you?"))
        .setChosen("I am Athene, glad to help.")
        .setRejected("A model.")
        .setSource(PairSource.CHOICE)
        .setChosenGenerationId("gen-1")
        .setRejectedGenerationId("gen-2")
        .setChosenAdapterVersion(3L)
        .setRejectedAdapterVersion(2L)
        .setUserId("user-7")
        .setWeight(0.5)
        .setCreatedAt(NOW)
        .build();
  }

  public static UnaryFeedback unary() {
    return UnaryFeedback.newBuilder()
        .setRecordId("unary-1")
        .setPromptHash("9f2c")
        .setModelId("tiny-chat")
        .setPrompt(prompt("Who are you?"))
        .setCompletion("I am Athene.")
        .setDesirable(true)
        .setGenerationId("gen-1")
        .setAdapterVersion(3L)
        .setUserId("user-7")
        .setWeight(1.0)
        .setCreatedAt(NOW)
        .build();
  }

  public static AdapterPublished adapter() {
    return AdapterPublished.newBuilder()
        .setModelId("tiny-chat")
        .setVersion(4L)
        .setParentVersion(3L)
        .setRunId("run-2026-11-22")
        .setLora(new LoraSettings(8, 16.0, List.of("q_proj", "v_proj")))
        .setConsumed(List.of(new OffsetRange("preference-pairs", 0, 100L, 164L)))
        .setMetrics(Map.of("rewards/margins", 0.31, "eval/rewards/accuracies", 0.72))
        .setChecksum("ab".repeat(32))
        .setLocation("file:///var/lib/feedloop/adapters/tiny-chat/4")
        .setInlineWeights(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}))
        .setCreatedAt(NOW)
        .setWeights(
            AdapterWeights.newBuilder()
                .setTopic("adapter-weights")
                .setPartition(1)
                .setChunkOffsets(List.of(40L, 41L))
                .setChunkCount(2)
                .setSizeBytes(600_000L)
                .build())
        .setBaseModel("cd".repeat(32))
        .build();
  }

  public static AdapterChunk adapterChunk() {
    return AdapterChunk.newBuilder()
        .setModelId("tiny-chat")
        .setVersion(4L)
        .setIndex(1)
        .setCount(2)
        .setData(ByteBuffer.wrap(new byte[] {5, 6, 7}))
        .setChecksum(ContentHash.of(new byte[] {5, 6, 7}))
        .build();
  }

  public static AdapterCommand adapterCommand() {
    return AdapterCommand.newBuilder()
        .setCommandId("cmd-1")
        .setModelId("tiny-chat")
        .setAction(AdapterAction.ROLLBACK)
        .setVersion(3L)
        .setRolledBackVersion(4L)
        .setOperator("ops@example.com")
        .setReason("answers got rude")
        .setIssuedAt(NOW)
        .build();
  }

  public static TrainerMetrics trainerMetrics() {
    return TrainerMetrics.newBuilder()
        .setModelId("tiny-chat")
        .setRunId("run-2026-11-22")
        .setStep(12L)
        .setWindow(3L)
        .setAdapterVersion(4L)
        .setRecords(64)
        .setMetrics(Map.of("loss", 0.61, "rewards/chosen", 0.2))
        .setCreatedAt(NOW)
        .build();
  }

  public static TrainerMetrics refusedWindowMetrics() {
    return TrainerMetrics.newBuilder(trainerMetrics())
        .setAdapterVersion(null)
        .setOutcome("refused")
        .setReason("accuracy-drop")
        .setReasonDetail("held-out accuracy 0.50, live 0.75, allowed drop 0.05")
        .setConsumed(
            List.of(
                OffsetRange.newBuilder()
                    .setTopic("preference-pairs")
                    .setPartition(1)
                    .setFromOffset(64)
                    .setUntilOffset(128)
                    .build()))
        .build();
  }

  public static TrainerCheckpoint trainerCheckpoint() {
    return TrainerCheckpoint.newBuilder()
        .setModelId("tiny-chat")
        .setRunId("online-tiny-chat-1")
        .setWindow(9L)
        .setLiveVersion(4L)
        .setNextVersion(6L)
        .setPositions(
            List.of(
                PartitionPosition.newBuilder()
                    .setTopic("preference-pairs")
                    .setPartition(0)
                    .setOffset(640L)
                    .build()))
        .setStateTopic("trainer-state-chunks")
        .setStatePartition(0)
        .setChunkOffsets(List.of(12L, 13L))
        .setSizeBytes(600_000L)
        .setChecksum("ab".repeat(32))
        .setCreatedAt(NOW)
        .build();
  }

  public static TrainerStateChunk trainerStateChunk() {
    byte[] data = {1, 2, 3};
    return TrainerStateChunk.newBuilder()
        .setModelId("tiny-chat")
        .setWindow(9L)
        .setIndex(0)
        .setCount(2)
        .setData(ByteBuffer.wrap(data))
        .setChecksum(ContentHash.of(data))
        .build();
  }

  public static TrainerState trainerState() {
    return TrainerState.newBuilder()
        .setModelId("tiny-chat")
        .setLiveVersion(4L)
        .setAdapter(ByteBuffer.wrap(new byte[] {4, 5}))
        .setOptimizerMoments(ByteBuffer.wrap(new byte[] {6}))
        .setAdamSteps(40)
        .setOptimizerSteps(41)
        .setRecordsSeen(700L)
        .setHeldOutSeen(70L)
        .setHeldOut(List.of(HeldRecord.newBuilder().setPair(pair()).build()))
        .setReplaySeen(600L)
        .setReplay(List.of(HeldRecord.newBuilder().setUnary(unary()).build()))
        .build();
  }

  public static DeadLetter deadLetter() {
    return DeadLetter.newBuilder()
        .setSourceTopic("feedback")
        .setSourcePartition(2)
        .setSourceOffset(881L)
        .setOriginalKey(ByteBuffer.wrap("gen-9".getBytes()))
        .setOriginalValue(ByteBuffer.wrap(new byte[] {(byte) 0xde, (byte) 0xad}))
        .setReason("undecodable")
        .setDetail("not Avro single-object encoding")
        .setCreatedAt(NOW)
        .build();
  }

  public static EvaluationCompleted evaluation() {
    return EvaluationCompleted.newBuilder()
        .setModelId("tiny-chat")
        .setRunId("run-20261202-1200")
        .setSequence(3L)
        .setAdapterVersion(7L)
        .setPreference("athene,polite")
        .setPrompts(200)
        .setFailures(1)
        .setTemperature(0.7)
        .setTopP(1.0)
        .setSatisfaction(0.655)
        .setWellFormed(0.93)
        .setStyle(0.7)
        .setGreedySatisfaction(0.8)
        .setGreedyWellFormed(0.95)
        .setAdapterLiveAt(NOW.minusSeconds(40))
        .setStartedAt(NOW.minusSeconds(30))
        .setCompletedAt(NOW)
        .build();
  }

  /** One instance of each type listed in {@link EventSchemas#EVENT_TYPES}. */
  public static List<SpecificRecord> everyEvent() {
    return List.of(
        generation("gen-1", "Who are you?", "I am Athene."),
        choice("gen-1", "gen-2"),
        pair(),
        unary(),
        adapter(),
        adapterChunk(),
        adapterCommand(),
        trainerMetrics(),
        trainerCheckpoint(),
        trainerStateChunk(),
        trainerState(),
        evaluation(),
        deadLetter());
  }
}
