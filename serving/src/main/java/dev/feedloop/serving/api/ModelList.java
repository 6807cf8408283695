package dev.feedloop.serving.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/** OpenAI's model list: {"object": "list", "data": [{"id", "object": "model", ...}]}. */
@Serdeable
public record ModelList(String object, List<Model> data) {

  /**
   * One servable model: the base model, or the live adapter with its base model as {@code parent}
   * and its {@code adapter_version} (both left out for the base model).
   */
  @Serdeable
  public record Model(
      String id,
      String object,
      long created,
      @JsonProperty("owned_by") String ownedBy,
      @JsonInclude(JsonInclude.Include.NON_NULL) String parent,
      @JsonProperty("adapter_version") @JsonInclude(JsonInclude.Include.NON_NULL)
          Long adapterVersion) {}

  public static ModelList of(List<Model> models) {
    return new ModelList("list", models);
  }
}
