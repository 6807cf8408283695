package dev.feedloop.model.lora;

import dev.feedloop.model.Weights;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which projections of which layers an adapter adapts, in the terms of PEFT's adapter_config.json
 * and with PEFT's matching rules ({@code check_target_module_exists}) applied to module paths such
 * as {@code model.layers.3.self_attn.q_proj}:
 *
 * <ul>
 *   <li>{@code target_modules}: a list of names, each selecting the modules whose path is the name
 *       or ends with "." + name; or one regular expression that must match the whole path;
 *   <li>{@code exclude_modules}: the same two forms, removing modules from the selection;
 *   <li>{@code layers_to_transform} (with {@code layers_pattern}): with a target list only, keeps
 *       the modules of those layer indices.
 * </ul>
 *
 * <p>A config made in this project ({@link #of}) selects its projection names in every layer.
 *
 * @param targetNames target_modules as a list (empty: none); empty when {@link #targetRegex} is set
 * @param targetRegex target_modules as one regular expression, or null
 * @param excludeNames exclude_modules as a list (empty: none)
 * @param excludeRegex exclude_modules as one regular expression, or null
 * @param layers layers_to_transform (empty: every layer)
 * @param layersPattern layers_pattern, the name of the layer list in the path (empty: any)
 */
public record ModuleSelection(
    List<String> targetNames,
    String targetRegex,
    List<String> excludeNames,
    String excludeRegex,
    List<Integer> layers,
    List<String> layersPattern) {

  /** PEFT's layer index: the first number after the first named path segment. */
  private static final Pattern ANY_LAYER_INDEX = Pattern.compile(".*?\\.[^.]*\\.(\\d+)\\.");

  public ModuleSelection {
    targetNames = List.copyOf(targetNames);
    excludeNames = List.copyOf(excludeNames);
    layers = List.copyOf(layers);
    layersPattern = List.copyOf(layersPattern);
    if (targetRegex != null && !targetNames.isEmpty()) {
      throw new IllegalArgumentException(
          "target_modules is either a list of names or one regular expression, not both");
    }
    // compile now, so that a pattern Java cannot read fails at load and not at the first match
    if (targetRegex != null) {
      Pattern.compile(targetRegex);
    }
    if (excludeRegex != null) {
      Pattern.compile(excludeRegex);
    }
    layersPattern.forEach(ModuleSelection::layerIndexPattern);
  }

  /** The given projection names in every layer: what the adapters this project trains adapt. */
  public static ModuleSelection of(List<String> projections) {
    return builder().targetNames(projections).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Whether this selects the given projection of layer {@code layer}. */
  public boolean selects(int layer, String projection) {
    return selects(Weights.modulePath(layer, projection));
  }

  /** Whether this selects the module at {@code path}, by PEFT's rules. */
  public boolean selects(String path) {
    if (excludeRegex != null && path.matches(excludeRegex)) {
      return false;
    }
    if (excludeNames.stream().anyMatch(name -> namedBy(path, name))) {
      return false;
    }
    if (targetRegex != null) {
      return path.matches(targetRegex); // layers_to_transform applies to target lists only
    }
    if (targetNames.stream().noneMatch(name -> namedBy(path, name))) {
      return false;
    }
    if (layers.isEmpty()) {
      return true;
    }
    Integer layer = layerIndex(path);
    return layer != null && layers.contains(layer);
  }

  /**
   * True when this is {@link #of} its target names: every layer, no exclusions (what an adapter
   * announcement can say).
   */
  public boolean isEveryLayerOf(List<String> projections) {
    return targetRegex == null
        && excludeNames.isEmpty()
        && excludeRegex == null
        && layers.isEmpty()
        && java.util.Set.copyOf(targetNames).equals(java.util.Set.copyOf(projections));
  }

  private static boolean namedBy(String path, String name) {
    return path.equals(name) || path.endsWith("." + name);
  }

  private Integer layerIndex(String path) {
    if (layersPattern.isEmpty()) {
      Matcher m = ANY_LAYER_INDEX.matcher(path);
      return m.lookingAt() ? Integer.valueOf(m.group(1)) : null;
    }
    for (String pattern : layersPattern) {
      Matcher m = layerIndexPattern(pattern).matcher(path);
      if (m.lookingAt()) {
        return Integer.valueOf(m.group(1));
      }
    }
    return null;
  }

  /** PEFT's layer index under a layers_pattern: the number after a segment matching it. */
  private static Pattern layerIndexPattern(String layersPattern) {
    return Pattern.compile(".*?\\." + layersPattern + "\\.(\\d+)\\.");
  }

  /** Builds a selection by the names of adapter_config.json's keys. */
  public static final class Builder {
    private List<String> targetNames = List.of();
    private String targetRegex;
    private List<String> excludeNames = List.of();
    private String excludeRegex;
    private List<Integer> layers = List.of();
    private List<String> layersPattern = List.of();

    private Builder() {}

    /** target_modules as a list of names. */
    public Builder targetNames(List<String> names) {
      this.targetNames = names;
      return this;
    }

    /** target_modules as one regular expression over whole module paths. */
    public Builder targetRegex(String regex) {
      this.targetRegex = regex;
      return this;
    }

    /** exclude_modules as a list of names. */
    public Builder excludeNames(List<String> names) {
      this.excludeNames = names;
      return this;
    }

    /** exclude_modules as one regular expression over whole module paths. */
    public Builder excludeRegex(String regex) {
      this.excludeRegex = regex;
      return this;
    }

    /** layers_to_transform. */
    public Builder layers(List<Integer> layerIndices) {
      this.layers = layerIndices;
      return this;
    }

    /** layers_pattern. */
    public Builder layersPattern(List<String> patterns) {
      this.layersPattern = patterns;
      return this;
    }

    public ModuleSelection build() {
      return new ModuleSelection(
          targetNames, targetRegex, excludeNames, excludeRegex, layers, layersPattern);
    }
  }
}
