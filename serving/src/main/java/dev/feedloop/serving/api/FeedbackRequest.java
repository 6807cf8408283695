package dev.feedloop.serving.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * A user's feedback on one generation.
 *
 * @param kind thumbs_up, thumbs_down, retract, choice (the generation won over {@code
 *     other_generation_id}) or edit ({@code edited_text} is the better answer)
 */
@Serdeable
public record FeedbackRequest(
    @JsonProperty("generation_id") @NotBlank @Size(max = 128) String generationId,
    @NotBlank @Pattern(regexp = "thumbs_up|thumbs_down|retract|choice|edit") String kind,
    @JsonProperty("other_generation_id") @Nullable @Size(max = 128) String otherGenerationId,
    @JsonProperty("edited_text") @Nullable @Size(max = 32_768) String editedText,
    @JsonProperty("user_id") @Nullable @Size(max = 256) String userId,
    @Nullable @Size(max = 4_096) String comment) {}
