package dev.feedloop.serving.chat;

import dev.feedloop.model.Completion;
import dev.feedloop.model.Generator;
import dev.feedloop.model.LanguageModel;
import dev.feedloop.model.SamplingParams;
import dev.feedloop.model.lora.AdapterSlot;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.ChatMessages;
import dev.feedloop.schemas.GenerationLogged;
import dev.feedloop.schemas.PromptHash;
import dev.feedloop.schemas.SamplingParameters;
import dev.feedloop.serving.ServingFactory;
import dev.feedloop.serving.ServingSettings;
import dev.feedloop.serving.api.ApiException;
import dev.feedloop.serving.api.ChatCompletionRequest;
import dev.feedloop.serving.api.ChatCompletionResponse;
import dev.feedloop.serving.api.ChatMessageBody;
import dev.feedloop.serving.events.EventLog;
import dev.feedloop.serving.feedback.GenerationIndex;
import dev.feedloop.serving.limits.LimitSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Answers chat requests with the served model and logs every candidate as a GenerationLogged event
 * (with the log-prob the trainer will compute for it) before the answer leaves.
 */
@Singleton
public final class ChatService {

  /** OpenAI's limit on stop sequences. */
  static final int MAX_STOP_SEQUENCES = 4;

  private final LanguageModel model;
  private final Generator generator;
  private final GenerationWorker worker;
  private final EventLog events;
  private final GenerationIndex index;
  private final ServingSettings settings;
  private final AdapterSlot adapters;
  private final LimitSettings limits;
  private final Timer generationTime;
  private final Counter completionTokenCount;

  public ChatService(
      LanguageModel model,
      GenerationWorker worker,
      EventLog events,
      GenerationIndex index,
      ServingSettings settings,
      AdapterSlot adapters,
      LimitSettings limits,
      MeterRegistry meters) {
    this.adapters = adapters;
    this.model = model;
    this.generator = model.generator();
    this.worker = worker;
    this.events = events;
    this.index = index;
    this.settings = settings;
    this.limits = limits;
    this.generationTime =
        Timer.builder("feedloop.generation")
            .description("time from a request's arrival to its last candidate, queueing included")
            .register(meters);
    this.completionTokenCount =
        Counter.builder("feedloop.completion.tokens")
            .description("completion tokens generated, every candidate counted")
            .register(meters);
  }

  /** The candidates of one request, as generated. */
  private record Generated(int promptTokens, List<Completion> candidates, double[] logProbs) {}

  public ChatCompletionResponse complete(ChatCompletionRequest request) {
    if (Boolean.TRUE.equals(request.stream())) {
      throw ApiException.invalid("stream", "streaming responses are not supported yet");
    }
    if (Boolean.TRUE.equals(request.logprobs())) {
      throw ApiException.invalid("logprobs", "logprobs are not supported yet");
    }
    int candidates = request.n() == null ? 1 : request.n();
    if (candidates > settings.maxCandidates()) {
      throw ApiException.invalid("n", "n must be at most " + settings.maxCandidates());
    }
    List<ChatMessage> prompt = new ArrayList<>();
    for (ChatMessageBody message : request.messages()) {
      prompt.add(ChatMessages.of(message.role(), message.content()));
    }
    SamplingParams params =
        new SamplingParams(
            maxTokens(request),
            request.temperature() == null ? 1.0 : request.temperature(),
            request.topP() == null ? 1.0 : request.topP(),
            0,
            request.seed(),
            stopSequences(request.stop()),
            candidates);
    long arrived = System.nanoTime();
    Generated generated;
    Long adapterVersion;
    // the request keeps the adapter it was admitted with, whatever is swapped in meanwhile
    try (AdapterSlot.Lease lease = adapters.acquire()) {
      generated = worker.run(() -> generate(prompt, params, lease.adapter()));
      adapterVersion =
          lease.version() == ServingFactory.BASE_MODEL_VERSION ? null : lease.version();
    }
    generationTime.record(System.nanoTime() - arrived, TimeUnit.NANOSECONDS);

    String requestId = "chatcmpl-" + UUID.randomUUID();
    Instant created = Instant.now();
    String promptHash = PromptHash.of(prompt);
    SamplingParameters sampling = sampling(params);
    List<ChatCompletionResponse.Choice> choices = new ArrayList<>();
    int completionTokens = 0;
    for (int i = 0; i < generated.candidates().size(); i++) {
      Completion completion = generated.candidates().get(i);
      // random UUIDs come from SecureRandom: a generation id cannot be guessed from another
      String generationId = UUID.randomUUID().toString();
      GenerationLogged event =
          GenerationLogged.newBuilder()
              .setGenerationId(generationId)
              .setRequestId(requestId)
              .setCandidateIndex(i)
              .setModelId(settings.modelId())
              .setAdapterVersion(adapterVersion)
              .setUserId(request.user())
              .setPrompt(prompt)
              .setCompletion(completion.text())
              .setFinishReason(completion.finishReason())
              .setSampling(sampling)
              .setPromptTokens(generated.promptTokens())
              .setCompletionTokens(completion.tokens().length)
              .setCompletionLogprob(generated.logProbs()[i])
              .setCreatedAt(created)
              .build();
      index.remember(
          new GenerationIndex.RecentGeneration(generationId, promptHash, request.user()));
      events.logGeneration(event);
      completionTokens += completion.tokens().length;
      choices.add(
          new ChatCompletionResponse.Choice(
              i,
              new ChatMessageBody("assistant", completion.text()),
              completion.finishReason(),
              generationId,
              adapterVersion));
    }
    completionTokenCount.increment(completionTokens);
    return new ChatCompletionResponse(
        requestId,
        ChatCompletionResponse.OBJECT,
        created.getEpochSecond(),
        settings.modelId(),
        choices,
        new ChatCompletionResponse.Usage(
            generated.promptTokens(),
            completionTokens,
            generated.promptTokens() + completionTokens));
  }

  /** Runs on the generation thread: tokenize, check the context, generate, score. */
  private Generated generate(List<ChatMessage> prompt, SamplingParams params, LoraAdapter adapter) {
    long[] promptIds = model.promptTokens(prompt);
    limits.requirePromptWithinLimit(promptIds.length);
    int context = model.model().config().maxPositionEmbeddings();
    if (promptIds.length + params.maxNewTokens() > context) {
      throw ApiException.invalid(
          "max_tokens",
          "the prompt ("
              + promptIds.length
              + " tokens) plus max_tokens ("
              + params.maxNewTokens()
              + ") exceed the model's context of "
              + context
              + " tokens");
    }
    List<Completion> candidates = generator.generate(List.of(promptIds), params, adapter).get(0);
    double[] logProbs = new double[candidates.size()];
    for (int i = 0; i < logProbs.length; i++) {
      logProbs[i] = model.scoreGenerated(prompt, promptIds, candidates.get(i), adapter);
    }
    return new Generated(promptIds.length, candidates, logProbs);
  }

  private int maxTokens(ChatCompletionRequest request) {
    if (request.maxCompletionTokens() != null) {
      return request.maxCompletionTokens();
    }
    if (request.maxTokens() != null) {
      return request.maxTokens();
    }
    return settings.defaultMaxTokens();
  }

  /** OpenAI's `stop`: absent, one string, or an array of up to 4 non-empty strings. */
  static List<String> stopSequences(Object stop) {
    if (stop == null) {
      return List.of();
    }
    if (stop instanceof String single) {
      return single.isEmpty() ? List.of() : List.of(single);
    }
    if (stop instanceof List<?> many) {
      if (many.size() > MAX_STOP_SEQUENCES) {
        throw ApiException.invalid(
            "stop", "stop takes at most " + MAX_STOP_SEQUENCES + " sequences");
      }
      List<String> sequences = new ArrayList<>();
      for (Object element : many) {
        if (!(element instanceof String sequence) || sequence.isEmpty()) {
          throw ApiException.invalid("stop", "stop must be a string or an array of strings");
        }
        sequences.add(sequence);
      }
      return sequences;
    }
    throw ApiException.invalid("stop", "stop must be a string or an array of strings");
  }

  private static SamplingParameters sampling(SamplingParams params) {
    return SamplingParameters.newBuilder()
        .setTemperature((float) params.temperature())
        .setTopP((float) params.topP())
        .setTopK(params.topK())
        .setMaxTokens(params.maxNewTokens())
        .setSeed(params.seed())
        .setStop(params.stop())
        .build();
  }
}
