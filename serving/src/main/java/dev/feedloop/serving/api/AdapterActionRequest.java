package dev.feedloop.serving.api;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.validation.constraints.Size;

/** The optional body of an operator action: why it is taken (kept in the command, logged). */
@Serdeable
public record AdapterActionRequest(@Nullable @Size(max = 1000) String reason) {}
