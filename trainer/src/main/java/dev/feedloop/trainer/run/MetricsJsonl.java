package dev.feedloop.trainer.run;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Metrics as JSON Lines, one object per logging step, flushed line by line so that a crashed run
 * keeps its history: {"step":10,"epoch":0.5,"split":"train","loss":0.68,"rewards/margins":0.02,...}
 */
public final class MetricsJsonl implements AutoCloseable {
  private static final Gson GSON =
      new GsonBuilder().disableHtmlEscaping().serializeSpecialFloatingPointValues().create();

  private final BufferedWriter writer;

  private MetricsJsonl(BufferedWriter writer) {
    this.writer = writer;
  }

  /** Opens the file for appending (a resumed run continues its history). */
  public static MetricsJsonl append(Path file) {
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      return new MetricsJsonl(
          Files.newBufferedWriter(
              file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open metrics file " + file, e);
    }
  }

  public synchronized void write(StepMetrics metrics) {
    write(metrics, Map.of());
  }

  /**
   * A line with more fields between the split and the metrics, e.g. a window's outcome and the
   * offsets it consumed ({@link #read} keeps the numeric ones as values and skips the others).
   */
  public synchronized void write(StepMetrics metrics, Map<String, ?> fields) {
    JsonObject json = new JsonObject();
    json.addProperty("step", metrics.step());
    json.addProperty("epoch", metrics.epoch());
    json.addProperty("split", metrics.split());
    fields.forEach((name, value) -> json.add(name, GSON.toJsonTree(value)));
    metrics.values().forEach(json::addProperty);
    try {
      writer.write(GSON.toJson(json));
      writer.newLine();
      writer.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write metrics", e);
    }
  }

  public static List<StepMetrics> read(Path file) {
    List<StepMetrics> rows = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (line.isBlank()) {
          continue;
        }
        JsonObject json = JsonParser.parseString(line).getAsJsonObject();
        Map<String, Double> values = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> entry : json.entrySet()) {
          String key = entry.getKey();
          if (!key.equals("step")
              && !key.equals("epoch")
              && !key.equals("split")
              && entry.getValue().isJsonPrimitive()
              && entry.getValue().getAsJsonPrimitive().isNumber()) {
            values.put(key, entry.getValue().getAsDouble());
          }
        }
        rows.add(
            new StepMetrics(
                json.get("step").getAsLong(),
                json.get("epoch").getAsDouble(),
                json.get("split").getAsString(),
                values));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read metrics " + file, e);
    }
    return rows;
  }

  @Override
  public synchronized void close() {
    try {
      writer.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close metrics file", e);
    }
  }
}
