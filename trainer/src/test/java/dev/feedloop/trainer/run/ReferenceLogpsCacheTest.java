package dev.feedloop.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReferenceLogpsCacheTest {
  private static final int[] PROMPT = {1, 2, 3};

  @TempDir Path directory;

  @Test
  void onlyMissingSequencesAreScored() {
    ReferenceLogpsCache cache = ReferenceLogpsCache.inMemory("base@abc");
    cache.put(PROMPT, new int[] {7}, -1.5f);
    List<List<Integer>> scored = new ArrayList<>();
    float[] values =
        cache.getOrCompute(
            List.of(PROMPT, PROMPT, PROMPT),
            List.of(new int[] {7}, new int[] {8}, new int[] {9}),
            missing -> {
              scored.add(missing);
              return new float[] {-2f, -3f};
            });
    assertThat(scored).containsExactly(List.of(1, 2));
    assertThat(values).containsExactly(-1.5f, -2f, -3f);
    // second epoch: everything is cached, the scorer is not called
    float[] again =
        cache.getOrCompute(
            List.of(PROMPT, PROMPT),
            List.of(new int[] {8}, new int[] {9}),
            missing -> {
              throw new AssertionError("recomputed " + missing);
            });
    assertThat(again).containsExactly(-2f, -3f);
    assertThat(cache.size()).isEqualTo(3);
    assertThat(cache.hits()).isEqualTo(3);
    assertThat(cache.misses()).isEqualTo(2);
  }

  @Test
  void keyDependsOnWhereThePromptEnds() {
    ReferenceLogpsCache cache = ReferenceLogpsCache.inMemory("base@abc");
    cache.put(new int[] {1, 2}, new int[] {3}, -1f);
    assertThat(cache.get(new int[] {1}, new int[] {2, 3})).isNull();
    assertThat(cache.get(new int[] {1, 2}, new int[] {3})).isEqualTo(-1f);
  }

  @Test
  void entriesSurviveReopeningAndStayPerFingerprint() {
    try (ReferenceLogpsCache cache = ReferenceLogpsCache.open(directory, "base@abc")) {
      cache.put(PROMPT, new int[] {4, 5}, -3.25f);
      cache.put(PROMPT, new int[] {6}, -0.5f);
    }
    try (ReferenceLogpsCache reopened = ReferenceLogpsCache.open(directory, "base@abc")) {
      assertThat(reopened.size()).isEqualTo(2);
      assertThat(reopened.get(PROMPT, new int[] {4, 5})).isEqualTo(-3.25f);
    }
    try (ReferenceLogpsCache otherReference =
        ReferenceLogpsCache.open(directory, "base@abc+adapter@v7")) {
      assertThat(otherReference.size()).isZero();
      assertThat(otherReference.get(PROMPT, new int[] {4, 5})).isNull();
    }
  }

  @Test
  void aTornLastRecordIsDroppedAndAppendsStayAligned() throws IOException {
    try (ReferenceLogpsCache cache = ReferenceLogpsCache.open(directory, "base@abc")) {
      cache.put(PROMPT, new int[] {4}, -1f);
    }
    Path file;
    try (var files = Files.list(directory)) {
      file = files.filter(p -> p.toString().endsWith(".logps")).findFirst().orElseThrow();
    }
    Files.write(file, new byte[] {1, 2, 3, 4, 5}, StandardOpenOption.APPEND); // a crash mid-record
    try (ReferenceLogpsCache cache = ReferenceLogpsCache.open(directory, "base@abc")) {
      assertThat(cache.size()).isEqualTo(1);
      cache.put(PROMPT, new int[] {5}, -2f);
    }
    try (ReferenceLogpsCache cache = ReferenceLogpsCache.open(directory, "base@abc")) {
      assertThat(cache.get(PROMPT, new int[] {4})).isEqualTo(-1f);
      assertThat(cache.get(PROMPT, new int[] {5})).isEqualTo(-2f);
    }
  }

  @Test
  void aFileOfAnotherFingerprintIsRefused() throws IOException {
    try (ReferenceLogpsCache cache = ReferenceLogpsCache.open(directory, "base@abc")) {
      cache.put(PROMPT, new int[] {4}, -1f);
    }
    Path file;
    try (var files = Files.list(directory)) {
      file = files.findFirst().orElseThrow();
    }
    Path elsewhere = Files.createDirectories(directory.resolve("copy"));
    // a file renamed onto another fingerprint's name must not be trusted
    String otherName;
    try (ReferenceLogpsCache other = ReferenceLogpsCache.open(elsewhere, "base@other")) {
      other.put(PROMPT, new int[] {4}, -9f);
    }
    try (var files = Files.list(elsewhere)) {
      otherName = files.findFirst().orElseThrow().getFileName().toString();
    }
    Files.copy(
        file, elsewhere.resolve(otherName), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(() -> ReferenceLogpsCache.open(elsewhere, "base@other"))
        .hasMessageContaining("not the reference log-prob cache");
  }
}
