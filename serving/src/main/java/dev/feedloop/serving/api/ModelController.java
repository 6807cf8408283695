package dev.feedloop.serving.api;

import dev.feedloop.model.lora.AdapterSlot;
import dev.feedloop.serving.ServingFactory;
import dev.feedloop.serving.ServingSettings;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenAI's model listing: the base model this replica serves and, when an adapter is live, that
 * adapter as "&lt;model&gt;:adapter-&lt;version&gt;" (chat requests get it whatever model they
 * name).
 */
@Controller("/v1")
public class ModelController {

  private final ServingSettings settings;
  private final AdapterSlot adapters;
  private final long started = Instant.now().getEpochSecond();

  public ModelController(ServingSettings settings, AdapterSlot adapters) {
    this.settings = settings;
    this.adapters = adapters;
  }

  @Get("/models")
  public ModelList models() {
    List<ModelList.Model> models = new ArrayList<>();
    models.add(new ModelList.Model(settings.modelId(), "model", started, "feedloop", null, null));
    long live = adapters.version();
    if (live != ServingFactory.BASE_MODEL_VERSION) {
      models.add(
          new ModelList.Model(
              settings.modelId() + ":adapter-" + live,
              "model",
              started,
              "feedloop",
              settings.modelId(),
              live));
    }
    return ModelList.of(models);
  }
}
