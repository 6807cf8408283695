package dev.feedloop.serving.feedback;

import dev.feedloop.serving.ServingSettings;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The generations this replica answered recently, so that feedback on them is checked before it is
 * acknowledged: an unknown id is refused (404) and a choice must compare candidates of one prompt
 * (409).
 *
 * <p>Bounded: it keeps the latest {@link ServingSettings#recentGenerations()} generations (default
 * 100,000, roughly 250 bytes each, about 25 MB) and forgets the oldest first. Besides this
 * replica's own answers it holds every other replica's, which {@link GenerationFollower} reads from
 * the generations topic, so feedback may reach any replica.
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
    notifyAll();
  }

  /**
   * The generation, waiting up to {@code wait} for it to be remembered: another replica's answer
   * reaches this index through Kafka shortly after that replica answered, and a user may be faster.
   */
  public synchronized Optional<RecentGeneration> findOrAwait(String generationId, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    RecentGeneration found = recent.get(generationId);
    try {
      while (found == null) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
        found = recent.get(generationId);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return Optional.ofNullable(found);
  }

  public synchronized Optional<RecentGeneration> find(String generationId) {
    return Optional.ofNullable(recent.get(generationId));
  }

  public synchronized int size() {
    return recent.size();
  }
}
