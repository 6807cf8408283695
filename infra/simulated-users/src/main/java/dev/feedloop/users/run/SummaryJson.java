package dev.feedloop.users.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.feedloop.schemas.FeedbackKind;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * summary.json: a run's summary with stable snake_case names (listed in the module README). The
 * tree is written field by field, not by reflection, so renaming a Java accessor can never rename a
 * field that scripts and dashboards read. Shares are fractions in [0, 1], durations seconds,
 * instants ISO-8601 (UTC). Derived figures (base, final, best, freshness quantiles) are written for
 * readers and recomputed, not read, by {@link #read}.
 */
public final class SummaryJson {
  /** Raised when a field changes meaning; additions keep the number. */
  public static final int FORMAT = 1;

  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private SummaryJson() {}

  /** Writes the summary to {@code file}. */
  public static void write(RunSummary summary, Path file) throws IOException {
    MAPPER.writeValue(file.toFile(), tree(summary));
  }

  /** Reads a summary.json back. */
  public static RunSummary read(Path file) throws IOException {
    return fromTree(MAPPER.readTree(file.toFile()));
  }

  /** The summary as a JSON tree. */
  public static ObjectNode tree(RunSummary summary) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("format", FORMAT);
    root.put("run_id", summary.runId());
    root.put("preference", summary.preference());
    root.set("settings", settings(summary.settings()));
    root.put("started_at", summary.startedAt().toString());
    root.put("ended_at", summary.endedAt().toString());
    root.put("duration_seconds", Figures.seconds(summary.duration(), 0));
    root.set("base", point(summary.base()));
    root.set("final", point(summary.last()));
    root.set("best", point(summary.best()));
    ArrayNode curve = root.putArray("curve");
    summary.curve().forEach(p -> curve.add(point(p)));
    ObjectNode adapters = root.putObject("adapters");
    adapters.put("published", summary.adaptersPublished());
    adapters.put("refused", summary.adaptersRefused());
    ArrayNode refusals = adapters.putArray("refusals");
    summary.refusals().forEach(r -> refusals.add(refusal(r)));
    root.put("windows", summary.windows());
    root.put("feedback_events", summary.feedbackEvents());
    ObjectNode byKind = root.putObject("feedback_by_kind");
    summary.feedbackByKind().forEach((kind, count) -> byKind.put(Figures.key(kind), count));
    ObjectNode chat = root.putObject("chat");
    chat.put("requests", summary.chatRequests());
    chat.put("failures", summary.chatFailures());
    root.set("freshness", freshness(summary));
    return root;
  }

  private static ObjectNode settings(RunSettings settings) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("users", settings.users());
    putSeconds(node, "duration_seconds", settings.duration());
    node.put("window_records", settings.windowRecords());
    putSeconds(node, "window_seconds", settings.windowTime());
    node.put("loss", settings.loss());
    node.put("mix", settings.mix());
    node.put("noise", settings.noise());
    node.put("seed", settings.seed());
    return node;
  }

  private static JsonNode point(CurvePoint point) {
    if (point == null) {
      return MAPPER.nullNode();
    }
    ObjectNode node = MAPPER.createObjectNode();
    node.put("elapsed_seconds", point.elapsedSeconds());
    node.put("adapter_version", point.adapterVersion());
    node.put("satisfaction", point.satisfaction());
    node.put("well_formed", point.wellFormed());
    node.put("style", point.style());
    node.put("greedy_satisfaction", point.greedySatisfaction());
    node.put("greedy_well_formed", point.greedyWellFormed());
    node.put("prompts", point.prompts());
    return node;
  }

  private static ObjectNode refusal(Refusal refusal) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("elapsed_seconds", refusal.elapsedSeconds());
    node.put("window", refusal.window());
    node.put("version", refusal.version());
    node.put("reason", refusal.reason());
    node.put("detail", refusal.detail());
    return node;
  }

  private static ObjectNode freshness(RunSummary summary) {
    Freshness freshness = summary.freshness();
    ObjectNode node = MAPPER.createObjectNode();
    putSeconds(node, "p50_seconds", freshness.p50());
    putSeconds(node, "p95_seconds", freshness.p95());
    putSeconds(node, "max_seconds", freshness.max());
    node.put("total_weight", freshness.weight());
    ArrayNode samples = node.putArray("samples");
    for (Freshness.Sample sample : summary.freshnessSamples()) {
      ObjectNode entry = samples.addObject();
      putSeconds(entry, "seconds", sample.age());
      entry.put("weight", sample.weight());
    }
    return node;
  }

  private static void putSeconds(ObjectNode node, String name, Duration duration) {
    if (duration == null) {
      node.putNull(name);
    } else {
      node.put(name, Figures.seconds(duration, 0));
    }
  }

  static RunSummary fromTree(JsonNode root) {
    RunSummary.Builder summary =
        RunSummary.builder()
            .runId(root.path("run_id").asText())
            .preference(root.path("preference").asText())
            .settings(settingsFrom(root.path("settings")))
            .startedAt(Instant.parse(root.path("started_at").asText()))
            .endedAt(Instant.parse(root.path("ended_at").asText()))
            .adaptersPublished(root.path("adapters").path("published").asLong())
            .windows(root.path("windows").asLong())
            .chatRequests(root.path("chat").path("requests").asLong())
            .chatFailures(root.path("chat").path("failures").asLong());
    List<CurvePoint> curve = new ArrayList<>();
    root.path("curve").forEach(node -> curve.add(pointFrom(node)));
    summary.curve(curve);
    root.path("adapters").path("refusals").forEach(node -> summary.refusal(refusalFrom(node)));
    Map<FeedbackKind, Long> byKind = new EnumMap<>(FeedbackKind.class);
    for (FeedbackKind kind : FeedbackKind.values()) {
      byKind.put(kind, root.path("feedback_by_kind").path(Figures.key(kind)).asLong());
    }
    summary.feedbackByKind(byKind);
    root.path("freshness")
        .path("samples")
        .forEach(
            node ->
                summary.freshnessSample(
                    new Freshness.Sample(
                        secondsFrom(node.path("seconds")), node.path("weight").asLong())));
    return summary.build();
  }

  private static RunSettings settingsFrom(JsonNode node) {
    return RunSettings.builder()
        .users(node.path("users").asInt())
        .duration(secondsFrom(node.path("duration_seconds")))
        .windowRecords(node.path("window_records").asInt())
        .windowTime(secondsFrom(node.path("window_seconds")))
        .loss(textFrom(node.path("loss")))
        .mix(textFrom(node.path("mix")))
        .noise(textFrom(node.path("noise")))
        .seed(node.path("seed").asLong())
        .build();
  }

  private static CurvePoint pointFrom(JsonNode node) {
    return new CurvePoint(
        node.path("elapsed_seconds").asDouble(),
        longFrom(node.path("adapter_version")),
        node.path("satisfaction").asDouble(),
        node.path("well_formed").asDouble(),
        node.path("style").asDouble(),
        doubleFrom(node.path("greedy_satisfaction")),
        doubleFrom(node.path("greedy_well_formed")),
        node.path("prompts").asInt());
  }

  private static Refusal refusalFrom(JsonNode node) {
    return new Refusal(
        node.path("elapsed_seconds").asDouble(),
        longFrom(node.path("window")),
        longFrom(node.path("version")),
        node.path("reason").asText(),
        node.path("detail").asText());
  }

  private static boolean absent(JsonNode node) {
    return node.isMissingNode() || node.isNull();
  }

  private static Long longFrom(JsonNode node) {
    return absent(node) ? null : node.asLong();
  }

  private static Double doubleFrom(JsonNode node) {
    return absent(node) ? null : node.asDouble();
  }

  private static String textFrom(JsonNode node) {
    return absent(node) ? null : node.asText();
  }

  private static Duration secondsFrom(JsonNode node) {
    return absent(node) ? null : Duration.ofNanos(Math.round(node.asDouble() * 1e9));
  }
}
