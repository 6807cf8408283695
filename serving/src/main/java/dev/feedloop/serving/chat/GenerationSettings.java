package dev.feedloop.serving.chat;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Min;

/**
 * How the decode loop shares the model between requests ({@code feedloop.serving.generation} in
 * application.yml, each value overridable by the environment variable named there).
 *
 * @param maxBatchRows rows (candidates) decoded together at most, over every adapter's batch; a
 *     request joins when all its candidates fit
 * @param maxQueuedRequests requests that may wait for admission; beyond it a request is refused at
 *     once with 429 (code {@code max_queued_requests}) instead of waiting without bound
 */
@ConfigurationProperties("feedloop.serving.generation")
public record GenerationSettings(
    @Bindable(defaultValue = "16") @Min(1) int maxBatchRows,
    @Bindable(defaultValue = "64") @Min(1) int maxQueuedRequests) {}
