package dev.feedloop.serving.access;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * Who may call the service, from application.yml's {@code feedloop.serving.access} block (each
 * value overridable by the environment variable named there).
 *
 * <p>Keys are lists separated by commas or line breaks; each entry is {@code name:key} or a bare
 * {@code key}. The name is what logs and the adapter endpoints' audit log show, so a key never has
 * to be printed. The {@code *-file} variants read the same format from a file (a secrets manager's
 * mount); a file's entries add to the inline ones.
 *
 * @param apiKeys client keys: chat, feedback and the read-only listings
 * @param apiKeysFile a file of client keys, empty for none
 * @param operatorKeys operator keys: everything a client key may do, plus the adapter actions (pin,
 *     unpin, rollback)
 * @param operatorKeysFile a file of operator keys, empty for none
 * @param allowUnauthenticatedNetwork without any key the service binds to loopback only and refuses
 *     a non-loopback host; true allows it, for a deployment whose gateway authenticates callers
 */
@ConfigurationProperties("feedloop.serving.access")
public record AccessSettings(
    @Nullable String apiKeys,
    @Nullable String apiKeysFile,
    @Nullable String operatorKeys,
    @Nullable String operatorKeysFile,
    @Bindable(defaultValue = "false") boolean allowUnauthenticatedNetwork) {}
