package dev.feedloop.serving.feedback;

import dev.feedloop.serving.ServingSettings;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The generations this replica answered recently, so that feedback on them is checked before it is
 * acknowledged: an unknown id is refused (404) and a choice must compare candidates of one prompt
 * (409).
 *
 * <p>Bounded: it keeps the latest {@link ServingSettings#recentGenerations()} generations (default
 * 100,000, roughly 250 bytes each, about 25 MB) and forgets the oldest first. Feedback on a
 * forgotten generation, or on one another replica answered, is refused with 404 until replicas
 * share the index (the generations topic holds every generation).
 */
@Singleton
public final class GenerationIndex {

  /**
   * What feedback needs to know about a generation.
   *
   * @param userId the user the request named, null when none
   */
  public record RecentGeneration(String generationId, String promptHash, String userId) {}

  private final Map<String, RecentGeneration> recent;

  public GenerationIndex(ServingSettings settings) {
    int capacity = settings.recentGenerations();
    this.recent =
        new LinkedHashMap<>(16, 0.75f, false) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, RecentGeneration> eldest) {
            return size() > capacity;
          }
        };
  }

  public synchronized void remember(RecentGeneration generation) {
    recent.put(generation.generationId(), generation);
  }

  public synchronized Optional<RecentGeneration> find(String generationId) {
    return Optional.ofNullable(recent.get(generationId));
  }

  public synchronized int size() {
    return recent.size();
  }
}
