package dev.feedloop.trainer.data;

import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.FeedbackKind;
import dev.feedloop.schemas.FeedbackReceived;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.SamplingParameters;
import dev.feedloop.schemas.rules.RecordIds;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;

/**
 * Makes the loop's live events ({@link GenerationLogged}, {@link FeedbackReceived}) out of feedback
 * exported from another system, so that feedback-streams joins, validates and pairs them like
 * feedback given through serving: the one place where such an event gets its ids, model and time.
 *
 * <p>Ids come from {@link RecordIds#importedGeneration} and {@link RecordIds#importedFeedback},
 * hashes of the ids the source system gave (chat and message id, feedback or score id): importing
 * the same export twice repeats every id, so feedback-streams drops the repeated feedback and the
 * training records keep their ids.
 *
 * <p>Every event of one import carries the import's time, not the source's: feedback-streams joins
 * a feedback with its generation within a join window in event time (an hour by default), while
 * exported feedback may have come days after its answer, and records older than the stream's time
 * would arrive too late for any window. The generation's model id is the model the loop trains
 * ({@code --model-id}), not the one that answered: a choice between two answers is only a training
 * pair when both are of the same model id (arena comparisons answer with different models).
 */
public final class ImportedEvents {

  private final String system;
  private final String modelId;
  private final Instant at;

  private ImportedEvents(String system, String modelId, Instant at) {
    if (system == null || system.isBlank()) {
      throw new IllegalArgumentException("the source system of imported events is required");
    }
    if (modelId == null || modelId.isBlank()) {
      throw new IllegalArgumentException("model id of imported events is required");
    }
    this.system = system;
    this.modelId = modelId;
    this.at = Objects.requireNonNull(at, "at").truncatedTo(ChronoUnit.MILLIS);
  }

  /**
   * @param system the exporting system's name, part of every id (e.g. {@code open-webui})
   */
  public static ImportedEvents stamped(String system, String modelId, Instant at) {
    return new ImportedEvents(system, modelId, at);
  }

  public String system() {
    return system;
  }

  /** What an imported answer was, as far as the export tells. */
  public record Answer(
      List<String> sourceIds,
      List<String> requestSourceIds,
      int candidateIndex,
      String userId,
      String conversationId,
      List<ChatMessage> prompt,
      String completion,
      int promptTokens,
      int completionTokens) {
    public Answer {
      sourceIds = List.copyOf(sourceIds);
      requestSourceIds = List.copyOf(requestSourceIds);
      prompt = List.copyOf(prompt);
    }
  }

  /**
   * The answer as a logged generation. Its sampling parameters are unknown (the defaults stand),
   * and so is its log-probability under the policy that sampled it: NaN says so.
   */
  public GenerationLogged generation(Answer answer) {
    return GenerationLogged.newBuilder()
        .setGenerationId(
            RecordIds.importedGeneration(system, answer.sourceIds().toArray(String[]::new)))
        .setRequestId(
            RecordIds.importedRequest(system, answer.requestSourceIds().toArray(String[]::new)))
        .setCandidateIndex(answer.candidateIndex())
        .setModelId(modelId)
        .setAdapterVersion(null)
        .setUserId(answer.userId())
        .setConversationId(answer.conversationId())
        .setPrompt(answer.prompt())
        .setCompletion(answer.completion())
        .setFinishReason("stop")
        .setSampling(SamplingParameters.newBuilder().build())
        .setPromptTokens(answer.promptTokens())
        .setCompletionTokens(answer.completionTokens())
        .setCompletionLogprob(Double.NaN)
        .setCreatedAt(at)
        .build();
  }

  /** A thumbs up or down on a generation. */
  public FeedbackReceived vote(
      List<String> feedbackSourceIds,
      GenerationLogged generation,
      boolean up,
      String userId,
      String comment) {
    return feedback(feedbackSourceIds, generation.getGenerationId(), userId, comment)
        .setKind(up ? FeedbackKind.THUMBS_UP : FeedbackKind.THUMBS_DOWN)
        .build();
  }

  /** A choice of {@code preferred} over {@code other}, two answers to the same prompt. */
  public FeedbackReceived choice(
      List<String> feedbackSourceIds,
      GenerationLogged preferred,
      GenerationLogged other,
      String userId,
      String comment) {
    return feedback(feedbackSourceIds, preferred.getGenerationId(), userId, comment)
        .setKind(FeedbackKind.CHOICE)
        .setOtherGenerationId(other.getGenerationId())
        .build();
  }

  private FeedbackReceived.Builder feedback(
      List<String> feedbackSourceIds, String generationId, String userId, String comment) {
    return FeedbackReceived.newBuilder()
        .setFeedbackId(RecordIds.importedFeedback(system, feedbackSourceIds.toArray(String[]::new)))
        .setGenerationId(generationId)
        .setUserId(userId)
        .setComment(comment == null || comment.isBlank() ? null : comment)
        .setReceivedAt(at);
  }
}
