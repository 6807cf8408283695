package dev.feedloop.serving.chat;

import dev.feedloop.model.Completion;
import dev.feedloop.model.LanguageModel;
import dev.feedloop.model.SamplingParams;
import dev.feedloop.model.generate.DecodeRow;
import dev.feedloop.model.generate.GeneratedToken;
import dev.feedloop.model.generate.TokenLogProb;
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
import dev.feedloop.serving.api.ChatCompletionChunk;
import dev.feedloop.serving.api.ChatCompletionRequest;
import dev.feedloop.serving.api.ChatCompletionResponse;
import dev.feedloop.serving.api.ChatMessageBody;
import dev.feedloop.serving.api.Logprobs;
import dev.feedloop.serving.events.EventLog;
import dev.feedloop.serving.feedback.GenerationIndex;
import dev.feedloop.serving.limits.LimitSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micronaut.context.annotation.Context;
import io.micronaut.http.sse.Event;
import io.micronaut.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Sinks;

/**
 * Answers chat requests through the {@link DecodeLoop} and logs every candidate as a
 * GenerationLogged event (with the log-prob the trainer will compute for it) as soon as it ends:
 * before a plain answer leaves, before a streamed candidate's finish chunk.
 */
@Context
public final class ChatService {

  /** OpenAI's limit on stop sequences. */
  static final int MAX_STOP_SEQUENCES = 4;

  /** The SSE data that ends a stream, as OpenAI sends it. */
  static final String DONE = "[DONE]";

  private final LanguageModel model;
  private final DecodeLoop loop;
  private final EventLog events;
  private final GenerationIndex index;
  private final ServingSettings settings;
  private final LimitSettings limits;
  private final JsonMapper json;
  private final Timer generationTime;
  private final Timer firstTokenTime;
  private final Counter completionTokenCount;
  private final Counter cancelledCount;
  private final Map<Long, String> tokenTexts = new ConcurrentHashMap<>();

  public ChatService(
      LanguageModel model,
      DecodeLoop loop,
      EventLog events,
      GenerationIndex index,
      ServingSettings settings,
      LimitSettings limits,
      JsonMapper json,
      MeterRegistry meters) {
    this.model = model;
    this.loop = loop;
    this.events = events;
    this.index = index;
    this.settings = settings;
    this.limits = limits;
    this.json = json;
    this.generationTime =
        Timer.builder("feedloop.generation")
            .description("time from a request's arrival to its last candidate, queueing included")
            .register(meters);
    this.firstTokenTime =
        Timer.builder("feedloop.time.to.first.token")
            .description("time from a request's arrival to its first generated token")
            .register(meters);
    this.completionTokenCount =
        Counter.builder("feedloop.completion.tokens")
            .description("completion tokens generated, every candidate counted (rate: tokens/s)")
            .register(meters);
    this.cancelledCount =
        Counter.builder("feedloop.candidates.cancelled")
            .description("candidates stopped early because their client disconnected")
            .register(meters);
  }

  /** A validated request, tokenized, with the ids of what it will produce. */
  private record Prepared(
      List<ChatMessage> prompt,
      long[] promptIds,
      SamplingParams params,
      Integer topLogprobs,
      boolean includeUsage,
      String user,
      String requestId,
      Instant created,
      List<String> generationIds) {}

  /** Answers once every candidate ended (blocks the calling thread meanwhile). */
  public ChatCompletionResponse complete(ChatCompletionRequest request) {
    return complete(request, ClientDisconnect.NEVER);
  }

  /**
   * Answers once every candidate ended (blocks the calling thread meanwhile); if {@code client}
   * goes away first, the candidates leave the batch at the next token (counted, not logged).
   */
  public ChatCompletionResponse complete(ChatCompletionRequest request, ClientDisconnect client) {
    Prepared prepared = prepare(request);
    Run run = new Run(prepared, null);
    run.submit();
    try (ClientDisconnect.Registration gone = client.whenGone(run.submission::cancel)) {
      run.done.get();
    } catch (InterruptedException e) {
      run.submission.cancel();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for generation", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure;
      }
      throw new IllegalStateException("generation failed", e.getCause());
    }
    List<ChatCompletionResponse.Choice> choices = new ArrayList<>();
    int completionTokens = 0;
    for (int i = 0; i < run.completions.length; i++) {
      Completion completion = run.completions[i];
      completionTokens += completion.tokens().length;
      choices.add(
          new ChatCompletionResponse.Choice(
              i,
              new ChatMessageBody("assistant", completion.text()),
              completion.finishReason(),
              prepared.generationIds().get(i),
              run.adapterVersion,
              prepared.topLogprobs() == null ? null : new Logprobs(run.logprobs.get(i))));
    }
    return new ChatCompletionResponse(
        prepared.requestId(),
        ChatCompletionResponse.OBJECT,
        prepared.created().getEpochSecond(),
        settings.modelId(),
        choices,
        usage(prepared, completionTokens));
  }

  /**
   * Streams the answer as Server-Sent Events of chat.completion.chunk objects, ending with {@code
   * [DONE]}. The request is queued (or refused) before this returns; a subscriber that cancels (the
   * client disconnected) makes its candidates leave the batch at the next token.
   */
  public Publisher<Event<String>> stream(ChatCompletionRequest request) {
    Prepared prepared = prepare(request);
    Sinks.Many<Event<String>> sink = Sinks.many().unicast().onBackpressureBuffer();
    Run run = new Run(prepared, data -> sink.tryEmitNext(Event.of(data)));
    run.done.whenComplete(
        (ended, failure) -> {
          if (failure != null) {
            sink.tryEmitError(failure);
          } else {
            sink.tryEmitComplete();
          }
        });
    run.submit();
    return sink.asFlux().doOnCancel(() -> run.submission.cancel());
  }

  private Prepared prepare(ChatCompletionRequest request) {
    boolean stream = Boolean.TRUE.equals(request.stream());
    if (request.streamOptions() != null && !stream) {
      throw ApiException.invalid("stream_options", "stream_options requires stream: true");
    }
    boolean logprobs = Boolean.TRUE.equals(request.logprobs());
    if (request.topLogprobs() != null && !logprobs) {
      throw ApiException.invalid("top_logprobs", "top_logprobs requires logprobs: true");
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
    long[] promptIds = model.promptTokens(prompt);
    limits.requirePromptWithinLimit(promptIds.length);
    checkContext(promptIds.length, params.maxNewTokens());
    List<String> generationIds = new ArrayList<>();
    for (int i = 0; i < candidates; i++) {
      // random UUIDs come from SecureRandom: a generation id cannot be guessed from another
      generationIds.add(UUID.randomUUID().toString());
    }
    return new Prepared(
        prompt,
        promptIds,
        params,
        logprobs ? (request.topLogprobs() == null ? 0 : request.topLogprobs()) : null,
        stream
            && request.streamOptions() != null
            && Boolean.TRUE.equals(request.streamOptions().includeUsage()),
        request.user(),
        "chatcmpl-" + UUID.randomUUID(),
        Instant.now(),
        List.copyOf(generationIds));
  }

  /** The prompt and the completion it asks for must fit the model's context. */
  private void checkContext(int promptTokens, int maxTokens) {
    int context = model.model().config().maxPositionEmbeddings();
    if (promptTokens + maxTokens > context) {
      throw ApiException.invalid(
          "max_tokens",
          "the prompt ("
              + promptTokens
              + " tokens) plus max_tokens ("
              + maxTokens
              + ") exceed the model's context of "
              + context
              + " tokens");
    }
  }

  /**
   * One request in the decode loop: logs each candidate when it ends and, when streaming, turns its
   * events into chunks. Every method but the constructor and {@link #submit} runs on the loop's
   * thread.
   */
  private final class Run implements DecodeLoop.RequestListener {
    final Prepared prepared;
    final Consumer<String> chunks; // null: not streamed
    final CompletableFuture<Void> done = new CompletableFuture<>();
    final Completion[] completions;
    final List<List<Logprobs.Token>> logprobs = new ArrayList<>();
    final long arrived = System.nanoTime();
    final SamplingParameters sampling;
    final String promptHash;
    volatile DecodeLoop.Submission submission;
    Long adapterVersion;
    boolean firstToken = true;

    Run(Prepared prepared, Consumer<String> chunks) {
      this.prepared = prepared;
      this.chunks = chunks;
      this.completions = new Completion[prepared.params().n()];
      for (int i = 0; i < completions.length; i++) {
        logprobs.add(new ArrayList<>());
      }
      this.sampling = sampling(prepared.params());
      this.promptHash = PromptHash.of(prepared.prompt());
    }

    void submit() {
      int top = prepared.topLogprobs() == null ? 0 : prepared.topLogprobs();
      submission = loop.submit(prepared.promptIds(), prepared.params(), top, this);
    }

    @Override
    public void admitted(AdapterSlot.Lease lease) {
      adapterVersion =
          lease.version() == ServingFactory.BASE_MODEL_VERSION ? null : lease.version();
      if (chunks != null) {
        for (int i = 0; i < completions.length; i++) {
          emit(chunk(i, new ChatCompletionChunk.Delta("assistant", ""), null, null));
        }
      }
    }

    @Override
    public void token(int candidate, GeneratedToken token) {
      if (firstToken) {
        firstToken = false;
        firstTokenTime.record(System.nanoTime() - arrived, TimeUnit.NANOSECONDS);
      }
      completionTokenCount.increment();
      Logprobs.Token logprob = null;
      if (prepared.topLogprobs() != null) {
        logprob = logprob(token, prepared.topLogprobs());
        logprobs.get(candidate).add(logprob);
      }
      if (chunks != null && (!token.text().isEmpty() || logprob != null)) {
        emit(
            chunk(
                candidate,
                new ChatCompletionChunk.Delta(null, token.text()),
                logprob == null ? null : new Logprobs(List.of(logprob)),
                null));
      }
    }

    @Override
    public void finished(int candidate, Completion completion, LoraAdapter adapter) {
      completions[candidate] = completion;
      if (DecodeRow.CANCELLED.equals(completion.finishReason())) {
        cancelledCount.increment();
        return; // the client left: nobody saw it, nobody can give feedback on it
      }
      log(candidate, completion, adapter);
      if (chunks != null) {
        emit(
            chunk(
                candidate,
                new ChatCompletionChunk.Delta(null, null),
                null,
                completion.finishReason()));
      }
    }

    @Override
    public void ended() {
      generationTime.record(System.nanoTime() - arrived, TimeUnit.NANOSECONDS);
      if (chunks != null) {
        if (prepared.includeUsage()) {
          int completionTokens = 0;
          for (Completion c : completions) {
            completionTokens += c.tokens().length;
          }
          emit(
              new ChatCompletionChunk(
                  prepared.requestId(),
                  ChatCompletionChunk.OBJECT,
                  prepared.created().getEpochSecond(),
                  settings.modelId(),
                  List.of(),
                  usage(prepared, completionTokens)));
        }
        chunks.accept(DONE);
      }
      done.complete(null);
    }

    @Override
    public void failed(RuntimeException error) {
      done.completeExceptionally(error);
    }

    /** GenerationLogged with the trainer's log-prob of the text, remembered for feedback. */
    private void log(int candidate, Completion completion, LoraAdapter adapter) {
      String generationId = prepared.generationIds().get(candidate);
      GenerationLogged event =
          GenerationLogged.newBuilder()
              .setGenerationId(generationId)
              .setRequestId(prepared.requestId())
              .setCandidateIndex(candidate)
              .setModelId(settings.modelId())
              .setAdapterVersion(adapterVersion)
              .setUserId(prepared.user())
              .setPrompt(prepared.prompt())
              .setCompletion(completion.text())
              .setFinishReason(completion.finishReason())
              .setSampling(sampling)
              .setPromptTokens(prepared.promptIds().length)
              .setCompletionTokens(completion.tokens().length)
              .setCompletionLogprob(
                  model.scoreGenerated(
                      prepared.prompt(), prepared.promptIds(), completion, adapter))
              .setCreatedAt(prepared.created())
              .build();
      index.remember(
          new GenerationIndex.RecentGeneration(generationId, promptHash, prepared.user()));
      events.logGeneration(event);
    }

    private ChatCompletionChunk chunk(
        int candidate, ChatCompletionChunk.Delta delta, Logprobs logprobs, String finishReason) {
      return new ChatCompletionChunk(
          prepared.requestId(),
          ChatCompletionChunk.OBJECT,
          prepared.created().getEpochSecond(),
          settings.modelId(),
          List.of(
              new ChatCompletionChunk.Choice(
                  candidate,
                  delta,
                  logprobs,
                  finishReason,
                  prepared.generationIds().get(candidate),
                  adapterVersion)),
          null);
    }

    private void emit(ChatCompletionChunk chunk) {
      try {
        chunks.accept(json.writeValueAsString(chunk));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** OpenAI's logprobs entry of a token: its text, bytes and the most likely alternatives. */
  private Logprobs.Token logprob(GeneratedToken token, int top) {
    List<Logprobs.Alternative> alternatives = new ArrayList<>(top);
    for (TokenLogProb alternative : token.top().subList(0, Math.min(top, token.top().size()))) {
      String text = tokenText(alternative.id());
      alternatives.add(new Logprobs.Alternative(text, alternative.logProb(), bytes(text)));
    }
    String text = tokenText(token.id());
    return new Logprobs.Token(text, token.logProb(), bytes(text), alternatives);
  }

  /**
   * A token's own text, special tokens included. A byte-level token that is only part of a UTF-8
   * character reads as U+FFFD (the tokenizer library returns text, not bytes).
   */
  private String tokenText(long id) {
    return tokenTexts.computeIfAbsent(id, t -> model.tokenizer().decode(new long[] {t}, false));
  }

  private static List<Integer> bytes(String text) {
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    List<Integer> out = new ArrayList<>(utf8.length);
    for (byte b : utf8) {
      out.add(b & 0xFF);
    }
    return out;
  }

  /** Token counts: the prompt once, the completion tokens of every choice added up. */
  private static ChatCompletionResponse.Usage usage(Prepared prepared, int completionTokens) {
    int promptTokens = prepared.promptIds().length;
    return new ChatCompletionResponse.Usage(
        promptTokens, completionTokens, promptTokens + completionTokens);
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
