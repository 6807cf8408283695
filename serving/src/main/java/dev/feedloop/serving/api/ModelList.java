package dev.feedloop.serving.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/** OpenAI's model list: {"object": "list", "data": [{"id", "object": "model", ...}]}. */
@Serdeable
public record ModelList(String object, List<Model> data) {

  /** One servable model; the live adapter will be listed beside the base model. */
  @Serdeable
  public record Model(
      String id, String object, long created, @JsonProperty("owned_by") String ownedBy) {}

  public static ModelList of(List<Model> models) {
    return new ModelList("list", models);
  }
}
