package dev.feedloop.trainer.replay;

import dev.feedloop.schemas.settings.Durations;
import dev.feedloop.trainer.online.OnlineSettings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The settings a replay sweep varies: {@code --sweep window=64,128,256}, {@code --sweep
 * loss=sigmoid,kto,ipo}; several {@code --sweep} options combine (every combination). A loss of
 * several terms is written with {@code +} ({@code sigmoid+sft:0.1}), since commas separate the
 * values.
 */
public final class Sweep {
  /** A setting a sweep may vary, and how its value is applied to the settings. */
  private static final Map<String, BiConsumer<OnlineSettings.Builder, String>> SETTINGS =
      new LinkedHashMap<>();

  static {
    SETTINGS.put("window", (b, v) -> b.windowRecords(Integer.parseInt(v)));
    SETTINGS.put("window-time", (b, v) -> b.windowTime(Durations.parse(v)));
    SETTINGS.put("steps", (b, v) -> b.stepsPerWindow(Integer.parseInt(v)));
    SETTINGS.put("loss", (b, v) -> b.lossTerms(OnlineSettings.lossTerms(v.replace('+', ','))));
    SETTINGS.put("beta", (b, v) -> b.beta(Double.parseDouble(v)));
    SETTINGS.put("reference", (b, v) -> b.reference(OnlineSettings.reference(v)));
    SETTINGS.put("learning-rate", (b, v) -> b.learningRate(Double.parseDouble(v)));
    SETTINGS.put("hold-out-every", (b, v) -> b.holdOutEvery(Integer.parseInt(v)));
    SETTINGS.put("replay-ratio", (b, v) -> b.replayRatio(Double.parseDouble(v)));
    SETTINGS.put("seed", (b, v) -> b.seed(Long.parseLong(v)));
  }

  /** One axis: a setting and its values. */
  public record Axis(String name, List<String> values) {}

  /** One point of the sweep: its label (e.g. {@code window=64,loss=kto}) and settings. */
  public record Point(String label, OnlineSettings settings) {}

  private Sweep() {}

  /** The names a sweep may vary. */
  public static List<String> names() {
    return List.copyOf(SETTINGS.keySet());
  }

  /** Reads {@code name=v1,v2,...}; an unknown name or a value that does not apply fails here. */
  public static Axis parse(String spec, OnlineSettings.Builder base) {
    int equals = spec.indexOf('=');
    if (equals <= 0 || equals == spec.length() - 1) {
      throw new IllegalArgumentException(
          "--sweep " + spec + ": expected name=value,value,... (e.g. window=64,128,256)");
    }
    String name = spec.substring(0, equals).strip().toLowerCase(Locale.ROOT);
    if (!SETTINGS.containsKey(name)) {
      throw new IllegalArgumentException(
          "--sweep " + spec + ": unknown setting '" + name + "'; one of " + names());
    }
    List<String> values =
        Arrays.stream(spec.substring(equals + 1).split(","))
            .map(String::strip)
            .filter(v -> !v.isEmpty())
            .toList();
    if (values.size() != values.stream().distinct().count()) {
      throw new IllegalArgumentException("--sweep " + spec + ": a value is repeated");
    }
    for (String value : values) {
      apply(base.build().toBuilder(), name, value).build();
    }
    return new Axis(name, values);
  }

  /** Every combination of the axes' values over {@code base}, in the order they were given. */
  public static List<Point> points(List<Axis> axes, OnlineSettings base) {
    List<Point> points = new ArrayList<>();
    points.add(new Point("", base));
    for (Axis axis : axes) {
      List<Point> next = new ArrayList<>();
      for (Point point : points) {
        for (String value : axis.values()) {
          String label =
              (point.label().isEmpty() ? "" : point.label() + ",") + axis.name() + "=" + value;
          next.add(
              new Point(label, apply(point.settings().toBuilder(), axis.name(), value).build()));
        }
      }
      points = next;
    }
    return points;
  }

  private static OnlineSettings.Builder apply(
      OnlineSettings.Builder builder, String name, String value) {
    try {
      SETTINGS.get(name).accept(builder, value);
      return builder;
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "--sweep " + name + ": '" + value + "' is not valid: " + e.getMessage(), e);
    }
  }

  /** A directory name for a point's run: its label with only portable characters. */
  public static String directoryName(String label) {
    return label.replaceAll("[^A-Za-z0-9._=,+-]", "_");
  }
}
