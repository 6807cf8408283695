package dev.feedloop.serving.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.feedloop.schemas.AdapterCommand;
import io.micronaut.serde.annotation.Serdeable;
import java.util.Locale;

/**
 * 202 to an operator action: the command Kafka holds. Every replica applies it as it reads it; GET
 * /v1/adapters shows when this one has.
 */
@Serdeable
@JsonInclude(JsonInclude.Include.ALWAYS)
public record AdapterActionAccepted(
    @JsonProperty("command_id") String commandId,
    String action,
    Long version,
    @JsonProperty("rolled_back_version") Long rolledBackVersion,
    String operator,
    String status) {

  public static AdapterActionAccepted of(AdapterCommand command) {
    return new AdapterActionAccepted(
        command.getCommandId(),
        command.getAction().name().toLowerCase(Locale.ROOT),
        command.getVersion(),
        command.getRolledBackVersion(),
        command.getOperator(),
        "accepted");
  }
}
