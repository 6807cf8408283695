package dev.feedloop.serving.api;

import io.micronaut.serde.annotation.Serdeable;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

/** One message of a chat request or response: OpenAI's {role, content} with text content. */
@Serdeable
public record ChatMessageBody(
    @NotNull @Pattern(regexp = "system|developer|user|assistant|tool") String role,
    @NotNull String content) {}
