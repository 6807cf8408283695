package dev.feedloop.serving.api;

import dev.feedloop.serving.ServingSettings;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import java.time.Instant;
import java.util.List;

/** OpenAI's model listing: the base model this replica serves. */
@Controller("/v1")
public class ModelController {

  private final ServingSettings settings;
  private final long started = Instant.now().getEpochSecond();

  public ModelController(ServingSettings settings) {
    this.settings = settings;
  }

  @Get("/models")
  public ModelList models() {
    return ModelList.of(
        List.of(new ModelList.Model(settings.modelId(), "model", started, "feedloop")));
  }
}
