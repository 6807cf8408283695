package dev.feedloop.trainer.tiny;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository's models/tiny-chat from a module's working directory. */
public final class ShippedModel {
  private ShippedModel() {}

  public static Path directory() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("models").resolve("tiny-chat");
      if (Files.exists(candidate.resolve("config.json"))) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "models/tiny-chat not found above "
            + Path.of("").toAbsolutePath()
            + "; regenerate it with `feedloop-trainer tiny-model --output models/tiny-chat --seed 7`");
  }
}
