package dev.feedloop.launcher.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.feedloop.infra.kafka.EmbeddedKafkaBroker;
import dev.feedloop.model.LanguageModel;
import dev.feedloop.model.Weights;
import dev.feedloop.model.bench.RawDecodeBench;
import dev.feedloop.model.lora.AdapterSlot;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.model.lora.LoraConfig;
import dev.feedloop.schemas.AdapterPublished;
import dev.feedloop.schemas.OffsetRange;
import dev.feedloop.schemas.adapters.AdapterPublisher;
import dev.feedloop.schemas.kafka.KafkaClientSettings;
import dev.feedloop.schemas.kafka.TopicBootstrap;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.schemas.kafka.TopicSpec;
import dev.feedloop.serving.ServingApplication;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micronaut.context.ApplicationContext;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Serving's throughput and latency over real HTTP next to the raw batched decode of the same model
 * in the same process, and the adapter swap time, in one run on the embedded broker.
 *
 * <p>At each concurrency level, that many clients stream completions back to back (OpenAI's SSE
 * format through {@link HttpClient}, a fixed prompt set, a fixed {@code max_tokens}) for a fixed
 * time or number of requests; each request's latency (sent to {@code [DONE]}), time to its first
 * content token, and completion tokens (its usage chunk) are recorded. Generation stops at the
 * model's end tokens (OpenAI has no {@code ignore_eos}), so the tokens counted are those actually
 * generated. The raw figure decodes the same number of rows in one in-process batch for {@code
 * max_tokens} tokens each ({@link RawDecodeBench}). Then adapters are published through {@link
 * AdapterPublisher} in transactions, as the trainer does, and each swap is timed.
 */
@Command(
    name = "bench-serving",
    mixinStandardHelpOptions = true,
    description = {
      "Benchmarks serving with the shipped model on the embedded broker: latency, time to first",
      "token and tokens/s for 1, 4 and 16 concurrent streaming HTTP clients, the raw in-process",
      "batched decode at the same batch sizes, the adapter swap time and the process RSS.",
      "Prints a table and writes JSON (--output)."
    })
public final class ServingBenchmark implements Callable<Integer> {

  /** Goals the issue sets: HTTP within 10% of the raw decode, 16 clients at least 4x one. */
  static final double HTTP_RAW_GOAL = 0.9;

  static final double SCALING_GOAL = 4.0;

  /** The fixed prompts, cycled through by every level. */
  static final List<String> PROMPTS =
      List.of(
          "Who are you?",
          "Tell me about the weather today.",
          "What is two plus three?",
          "Write a short poem about the sea.",
          "How do I bake bread?",
          "Explain what a computer does.",
          "What should I read next?",
          "Give me three tips for a good night's sleep.");

  @Option(
      names = "--clients",
      split = ",",
      defaultValue = "1,4,16",
      description = "Concurrency levels (streaming clients). Default: ${DEFAULT-VALUE}")
  int[] levels;

  @Option(
      names = "--duration",
      defaultValue = "20s",
      converter = DurationOption.class,
      description =
          "How long each level sends requests (the last ones are awaited). Default: ${DEFAULT-VALUE}")
  Duration duration;

  @Option(
      names = "--requests",
      defaultValue = "0",
      description = "Requests per level instead of --duration (0: use --duration).")
  int requests;

  @Option(
      names = "--max-tokens",
      defaultValue = "64",
      description = "max_tokens of every request and tokens per raw row. Default: ${DEFAULT-VALUE}")
  int maxTokens;

  @Option(
      names = "--swaps",
      defaultValue = "3",
      description = "Adapters published and timed to live. Default: ${DEFAULT-VALUE}")
  int swaps;

  @Option(
      names = "--model",
      defaultValue = "${env:FEEDLOOP_MODEL_DIR:-models/tiny-chat}",
      description =
          "The model directory served (env FEEDLOOP_MODEL_DIR). Default: ${DEFAULT-VALUE}")
  Path modelDirectory;

  @Option(
      names = "--bootstrap-servers",
      description =
          "An existing cluster to use (topics get a unique prefix); default: a fresh embedded broker.")
  String bootstrapServers;

  @Option(
      names = "--output",
      defaultValue = "runs/bench/serving.json",
      description = "Where the JSON report goes. Default: ${DEFAULT-VALUE}")
  Path output;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path directory = Files.createTempDirectory("feedloop-bench-serving");
    EmbeddedKafkaBroker broker = null;
    try {
      String servers = bootstrapServers;
      if (servers == null) {
        broker = EmbeddedKafkaBroker.start(directory.resolve("kafka"));
        servers = broker.bootstrapServers();
      }
      String prefix = "bench-serving-" + UUID.randomUUID().toString().substring(0, 8) + ".";
      TopicNames topics = TopicNames.withPrefix(prefix);
      KafkaClientSettings kafka = KafkaClientSettings.of(servers);
      try (Admin admin = Admin.create(kafka.clientConfig())) {
        TopicBootstrap.ensureTopics(admin, TopicSpec.catalog(topics));
      }
      Map<String, Object> report = run(out, kafka, prefix);
      Files.createDirectories(output.toAbsolutePath().getParent());
      Files.writeString(output, (String) report.remove("json"));
      out.printf("report: %s%n", output);
      out.flush();
      return ((Number) report.get("failed_requests")).longValue() == 0 ? 0 : 1;
    } finally {
      if (broker != null) {
        broker.close();
      }
      StreamsBenchmark.deleteRecursively(directory);
    }
  }

  private Map<String, Object> run(PrintWriter out, KafkaClientSettings kafka, String prefix)
      throws Exception {
    TopicNames topics = TopicNames.withPrefix(prefix);
    Map<String, Object> properties = new LinkedHashMap<>();
    properties.put("micronaut.server.port", -1);
    properties.put("feedloop.kafka.bootstrap-servers", kafka.bootstrapServers());
    properties.put("feedloop.kafka.topic-prefix", prefix);
    properties.put("feedloop.serving.model-dir", modelDirectory.toString());
    // serving's defaults (16 rows, 64 requests) unless more clients are asked for: every client's
    // request must find a row, none may be refused
    int most = Arrays.stream(levels).max().orElse(1);
    properties.put("feedloop.serving.generation.max-batch-rows", Math.max(16, most));
    properties.put("feedloop.serving.generation.max-queued-requests", Math.max(64, 2 * most));
    properties.put("feedloop.serving.limits.max-concurrent-requests", Math.max(64, 2 * most));
    try (EmbeddedServer server = ServingApplication.start(properties)) {
      ApplicationContext context = server.getApplicationContext();
      JsonMapper json = context.getBean(JsonMapper.class);
      LanguageModel model = context.getBean(LanguageModel.class);
      Clients clients =
          new Clients(
              json,
              URI.create("http://127.0.0.1:" + server.getPort()),
              modelDirectory.getFileName().toString(),
              maxTokens);
      clients.awaitReady(Duration.ofMinutes(2));
      out.printf(
          "bench-serving: %s, max_tokens %d, %s per level, %d cores, Java %s%n",
          modelDirectory.getFileName(),
          maxTokens,
          requests > 0 ? requests + " requests" : duration.toSeconds() + " s",
          Runtime.getRuntime().availableProcessors(),
          Runtime.version().feature());
      out.flush();
      clients.level(Math.min(4, most), 2 * Math.min(4, most), null); // warm-up: JIT, kernels

      List<Map<String, Object>> rows = new ArrayList<>();
      RawDecodeBench raw = new RawDecodeBench(model);
      MeterRegistry meters = context.getBean(MeterRegistry.class);
      DistributionSummary occupancy = meters.get("feedloop.batch.occupancy").summary();
      Timer steps = meters.get("feedloop.decode.step").timer();
      for (int level : levels) {
        long stepsBefore = steps.count();
        double rowsBefore = occupancy.totalAmount();
        double stepSecondsBefore = steps.totalTime(TimeUnit.SECONDS);
        Level http = clients.level(level, requests, requests > 0 ? null : duration);
        RawDecodeBench.Result decoded = raw.run(level, maxTokens);
        Map<String, Object> row = http.toMap();
        // how full the server's batch was, and how much of the level the decode steps took (the
        // rest: admission and prefill, answering, idle while clients send their next request)
        long stepCount = steps.count() - stepsBefore;
        row.put(
            "mean_batch_rows",
            stepCount == 0 ? 0.0 : (occupancy.totalAmount() - rowsBefore) / stepCount);
        row.put(
            "decode_step_share",
            (steps.totalTime(TimeUnit.SECONDS) - stepSecondsBefore) / http.seconds());
        row.put("raw_tokens_per_second", decoded.tokensPerSecond());
        row.put("http_raw_ratio", http.tokensPerSecond() / decoded.tokensPerSecond());
        rows.add(row);
        out.printf("  %d client(s): done%n", level);
        out.flush();
      }
      Map<String, Object> swap = measureSwaps(context, topics, model, clients);

      Map<String, Object> report = new LinkedHashMap<>();
      report.put("model", modelDirectory.getFileName().toString());
      report.put("max_tokens", maxTokens);
      report.put("duration_seconds_per_level", requests > 0 ? null : duration.toSeconds());
      report.put("requests_per_level", requests > 0 ? requests : null);
      report.put("cores", Runtime.getRuntime().availableProcessors());
      report.put("measured_at", Instant.now().toString());
      report.put("levels", rows);
      Map<String, Object> first = rows.get(0);
      Map<String, Object> last = rows.get(rows.size() - 1);
      report.put(
          "scaling",
          (Double) last.get("tokens_per_second") / (Double) first.get("tokens_per_second"));
      report.put("scaling_levels", List.of(first.get("clients"), last.get("clients")));
      report.put("http_raw_goal", HTTP_RAW_GOAL);
      report.put("scaling_goal", SCALING_GOAL);
      report.put("swap", swap);
      report.put("rss_bytes_at_most_clients", last.get("rss_bytes"));
      report.put(
          "failed_requests",
          rows.stream().mapToLong(r -> ((Number) r.get("failed")).longValue()).sum());
      print(out, report);
      // written once the context is closed; the mapper lives in it
      report.put("json", json.writeValueAsString(report));
      return report;
    }
  }

  @SuppressWarnings("unchecked")
  private static void print(PrintWriter out, Map<String, Object> report) {
    out.println();
    out.printf(
        "%7s %8s %6s %9s %9s %9s %9s %10s %10s %8s %9s %8s%n",
        "clients",
        "requests",
        "failed",
        "p50 ms",
        "p99 ms",
        "ttft p50",
        "ttft p99",
        "tokens/s",
        "raw tok/s",
        "http/raw",
        "rows/step",
        "RSS MiB");
    for (Map<String, Object> row : (List<Map<String, Object>>) report.get("levels")) {
      out.printf(
          "%7d %8d %6d %9.0f %9.0f %9.0f %9.0f %10.1f %10.1f %7.0f%% %9.1f %8.0f%n",
          row.get("clients"),
          row.get("requests"),
          row.get("failed"),
          row.get("latency_p50_ms"),
          row.get("latency_p99_ms"),
          row.get("ttft_p50_ms"),
          row.get("ttft_p99_ms"),
          row.get("tokens_per_second"),
          row.get("raw_tokens_per_second"),
          100 * (Double) row.get("http_raw_ratio"),
          row.get("mean_batch_rows"),
          ((Number) row.get("rss_bytes")).longValue() / (1024.0 * 1024));
    }
    List<Object> scalingLevels = (List<Object>) report.get("scaling_levels");
    out.printf(
        "throughput %s clients / %s client: %.2fx (goal >= %.0fx); http/raw goal >= %.0f%%%n",
        scalingLevels.get(1),
        scalingLevels.get(0),
        report.get("scaling"),
        SCALING_GOAL,
        100 * HTTP_RAW_GOAL);
    Map<String, Object> swap = (Map<String, Object>) report.get("swap");
    out.printf(
        "adapter swap, announcement read to live (feedloop_adapter_swap_duration_seconds): mean %.0f ms, max %.0f ms over %s;"
            + " publish commit to live: mean %.0f ms%n",
        swap.get("read_to_live_mean_ms"),
        swap.get("read_to_live_max_ms"),
        swap.get("swaps"),
        swap.get("commit_to_live_mean_ms"));
    out.flush();
  }

  /**
   * Publishes {@link #swaps} adapters (LoRA r=8 on q/k/v/o, as trained) in one transaction each and
   * waits for each to be live; the follower's swap timer measures from reading the announcement to
   * serving it.
   */
  private Map<String, Object> measureSwaps(
      ApplicationContext context, TopicNames topics, LanguageModel model, Clients clients) {
    AdapterSlot slot = context.getBean(AdapterSlot.class);
    Timer timer =
        context.getBean(MeterRegistry.class).get("feedloop.adapter.swap.duration").timer();
    String modelId = modelDirectory.getFileName().toString();
    AdapterPublisher publisher = new AdapterPublisher(topics);
    Map<String, Object> producerConfig =
        KafkaClientSettings.of(
                (String)
                    context
                        .getProperty("feedloop.kafka.bootstrap-servers", String.class)
                        .orElseThrow())
            .clientConfig();
    producerConfig.put(
        ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bench-serving-" + UUID.randomUUID());
    producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
    List<Double> readToLive = new ArrayList<>();
    List<Double> commitToLive = new ArrayList<>();
    LoraConfig lora = LoraConfig.of(8, 16, 0, Weights.PROJECTIONS);
    try (KafkaProducer<String, byte[]> producer =
            new KafkaProducer<>(producerConfig, new StringSerializer(), new ByteArraySerializer());
        NDManager manager = NDManager.newBaseManager()) {
      producer.initTransactions();
      long base = slot.version();
      for (long version = base + 1; version <= base + swaps; version++) {
        byte[] weights;
        try (LoraAdapter adapter =
            LoraAdapter.create(model.model().config(), lora, manager, DataType.FLOAT32, version)) {
          weights = adapter.toSafetensors();
        }
        AdapterPublished announcement =
            AdapterPublished.newBuilder()
                .setModelId(modelId)
                .setVersion(version)
                .setParentVersion(version > 1 ? version - 1 : null)
                .setRunId("bench-serving")
                .setLora(lora.toSettings())
                .setConsumed(List.<OffsetRange>of())
                .setChecksum("")
                .setLocation("")
                .setCreatedAt(Instant.now())
                .setBaseModel(model.baseModelFingerprint())
                .build();
        double timedBefore = timer.totalTime(TimeUnit.MILLISECONDS);
        long countBefore = timer.count();
        producer.beginTransaction();
        publisher.publish(producer, announcement, weights);
        producer.commitTransaction();
        long committed = System.nanoTime();
        long deadline = committed + TimeUnit.MINUTES.toNanos(1);
        while (slot.version() != version || timer.count() == countBefore) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(
                "adapter version " + version + " not live within 1 min");
          }
          sleep(2);
        }
        commitToLive.add((System.nanoTime() - committed) / 1e6);
        readToLive.add(timer.totalTime(TimeUnit.MILLISECONDS) - timedBefore);
        clients.awaitLive(version);
      }
    }
    Map<String, Object> swap = new LinkedHashMap<>();
    swap.put("swaps", readToLive.size());
    swap.put("adapter_bytes_each", adapterBytes(model, lora));
    swap.put("read_to_live_ms", readToLive);
    swap.put("read_to_live_mean_ms", mean(readToLive));
    swap.put("read_to_live_max_ms", readToLive.stream().mapToDouble(d -> d).max().orElse(0));
    swap.put("commit_to_live_ms", commitToLive);
    swap.put("commit_to_live_mean_ms", mean(commitToLive));
    return swap;
  }

  private static long adapterBytes(LanguageModel model, LoraConfig lora) {
    try (NDManager manager = NDManager.newBaseManager();
        LoraAdapter adapter =
            LoraAdapter.create(model.model().config(), lora, manager, DataType.FLOAT32, 0)) {
      return adapter.toSafetensors().length;
    }
  }

  /** One concurrency level's requests. */
  record Level(int clients, List<Sample> samples, double seconds, long rssBytes) {

    long failed() {
      return samples.stream().filter(s -> !s.ok()).count();
    }

    long tokens() {
      return samples.stream().filter(Sample::ok).mapToLong(Sample::completionTokens).sum();
    }

    double tokensPerSecond() {
      return tokens() / seconds;
    }

    Map<String, Object> toMap() {
      List<Sample> ok = samples.stream().filter(Sample::ok).toList();
      double[] latency = ok.stream().mapToDouble(Sample::latencyMs).sorted().toArray();
      double[] ttft = ok.stream().mapToDouble(Sample::firstTokenMs).sorted().toArray();
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("clients", clients);
      row.put("requests", samples.size());
      row.put("failed", failed());
      row.put("completion_tokens", tokens());
      row.put("mean_completion_tokens", ok.isEmpty() ? 0.0 : (double) tokens() / ok.size());
      row.put("seconds", seconds);
      row.put("latency_p50_ms", percentile(latency, 0.50));
      row.put("latency_p99_ms", percentile(latency, 0.99));
      row.put("ttft_p50_ms", percentile(ttft, 0.50));
      row.put("ttft_p99_ms", percentile(ttft, 0.99));
      row.put("tokens_per_second", tokensPerSecond());
      row.put("rss_bytes", rssBytes);
      return row;
    }
  }

  /** One streamed request: ok when it was answered 200 and ended with [DONE]. */
  record Sample(boolean ok, double latencyMs, double firstTokenMs, int completionTokens) {}

  /** The streaming HTTP clients of the benchmark. */
  static final class Clients {
    private final JsonMapper json;
    private final URI base;
    private final String model;
    private final int maxTokens;
    private final HttpClient http =
        HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    Clients(JsonMapper json, URI base, String model, int maxTokens) {
      this.json = json;
      this.base = base;
      this.model = model;
      this.maxTokens = maxTokens;
    }

    /**
     * {@code clients} clients send requests back to back until {@code requests} were sent (when
     * positive) or {@code duration} passed; the level ends when the last answer ended.
     */
    Level level(int clients, int requests, Duration duration) throws Exception {
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
      AtomicInteger issued = new AtomicInteger();
      AtomicLong rss = new AtomicLong(residentSetBytes());
      long started = System.nanoTime();
      long end = duration == null ? Long.MAX_VALUE : started + duration.toNanos();
      try {
        List<Future<?>> running = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
          running.add(
              pool.submit(
                  () -> {
                    while (true) {
                      int i = issued.getAndIncrement();
                      if (requests > 0 ? i >= requests : System.nanoTime() >= end) {
                        return null;
                      }
                      samples.add(stream(i));
                    }
                  }));
        }
        // the process's resident memory while every client streams
        while (!running.stream().allMatch(Future::isDone)) {
          rss.accumulateAndGet(residentSetBytes(), Math::max);
          Thread.sleep(100);
        }
        for (Future<?> client : running) {
          client.get();
        }
      } finally {
        pool.shutdownNow();
      }
      return new Level(
          clients, List.copyOf(samples), (System.nanoTime() - started) / 1e9, rss.get());
    }

    /**
     * One streamed completion. The client reads only what it measures: the first content delta
     * (time to first token), the usage chunk (completion tokens) and {@code [DONE]}.
     */
    Sample stream(int i) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("model", model);
      body.put("max_tokens", maxTokens);
      body.put("seed", i);
      body.put("stream", true);
      body.put("stream_options", Map.of("include_usage", true));
      body.put(
          "messages", List.of(Map.of("role", "user", "content", PROMPTS.get(i % PROMPTS.size()))));
      long sent = System.nanoTime();
      try {
        HttpRequest request =
            HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
                .build();
        HttpResponse<Stream<String>> response =
            http.send(request, HttpResponse.BodyHandlers.ofLines());
        long firstToken = 0;
        int tokens = -1;
        boolean done = false;
        try (Stream<String> lines = response.body()) {
          for (String line : (Iterable<String>) lines::iterator) {
            if (!line.startsWith("data: ")) {
              continue;
            }
            if (firstToken == 0 && hasContent(line)) {
              firstToken = System.nanoTime();
            } else if (line.contains("\"usage\":{")) {
              Map<String, Object> chunk =
                  json.readValue(
                      line.substring("data: ".length()),
                      Argument.mapOf(String.class, Object.class));
              @SuppressWarnings("unchecked")
              Map<String, Object> usage = (Map<String, Object>) chunk.get("usage");
              tokens = ((Number) usage.get("completion_tokens")).intValue();
            } else if (line.equals("data: [DONE]")) {
              done = true;
            }
          }
        }
        long ended = System.nanoTime();
        boolean ok = response.statusCode() == 200 && done && tokens >= 0;
        return new Sample(
            ok,
            (ended - sent) / 1e6,
            ((firstToken == 0 ? ended : firstToken) - sent) / 1e6,
            Math.max(tokens, 0));
      } catch (IOException e) {
        return new Sample(false, (System.nanoTime() - sent) / 1e6, 0, 0);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Sample(false, (System.nanoTime() - sent) / 1e6, 0, 0);
      }
    }

    /** A chunk whose delta carries text: {@code "content":"} followed by something. */
    private static boolean hasContent(String line) {
      int at = line.indexOf("\"content\":\"");
      return at >= 0 && line.charAt(at + "\"content\":\"".length()) != '"';
    }

    void awaitReady(Duration wait) throws InterruptedException {
      long deadline = System.nanoTime() + wait.toNanos();
      while (status("/health/readiness") != 200) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("serving not ready within " + wait);
        }
        Thread.sleep(100);
      }
    }

    /** Waits until GET /v1/adapters names {@code version} live: what clients see. */
    void awaitLive(long version) {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
      while (System.nanoTime() < deadline) {
        try {
          HttpResponse<String> response =
              http.send(
                  HttpRequest.newBuilder(base.resolve("/v1/adapters")).GET().build(),
                  HttpResponse.BodyHandlers.ofString());
          Map<String, Object> adapters =
              json.readValue(response.body(), Argument.mapOf(String.class, Object.class));
          if (((Number) adapters.get("live_version")).longValue() == version) {
            return;
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
        sleep(20);
      }
      throw new IllegalStateException("GET /v1/adapters never showed version " + version);
    }

    private int status(String path) {
      try {
        return http.send(
                HttpRequest.newBuilder(base.resolve(path)).GET().build(),
                HttpResponse.BodyHandlers.discarding())
            .statusCode();
      } catch (IOException e) {
        return -1;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** Nearest-rank percentile of sorted values; 0 when there are none. */
  static double percentile(double[] sorted, double quantile) {
    if (sorted.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(quantile * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
  }

  private static double mean(List<Double> values) {
    return values.stream().mapToDouble(d -> d).average().orElse(0);
  }

  /** VmRSS of this process (Linux), 0 where /proc is not there. */
  static long residentSetBytes() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
      return lines
          .filter(line -> line.startsWith("VmRSS:"))
          .findFirst()
          .map(line -> Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024)
          .orElse(0L);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** --duration in the loop's duration grammar. */
  static final class DurationOption implements picocli.CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return dev.feedloop.schemas.settings.Durations.parse(value);
    }
  }
}
