package dev.feedloop.serving.adapters;

import dev.feedloop.schemas.AdapterAction;
import dev.feedloop.schemas.AdapterCommand;
import dev.feedloop.schemas.EventSerde;
import dev.feedloop.schemas.adapters.LiveVersionRule;
import dev.feedloop.schemas.kafka.TopicKeys;
import dev.feedloop.serving.ServingSettings;
import dev.feedloop.serving.api.ApiException;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operators' pin, unpin and rollback: checked against what this replica knows, then published as an
 * {@link AdapterCommand} to the adapter-commands topic, which every replica (this one included)
 * follows. A command is accepted only once Kafka acknowledged it.
 */
@Singleton
public final class AdapterOperations {

  private static final Logger LOG = LoggerFactory.getLogger(AdapterOperations.class);

  private final AdapterFollower follower;
  private final KafkaProducer<String, byte[]> producer;
  private final ServingSettings settings;
  private final AdapterSettings adapterSettings;
  private final EventSerde<AdapterCommand> serde = EventSerde.of(AdapterCommand.class);

  public AdapterOperations(
      AdapterFollower follower,
      KafkaProducer<String, byte[]> producer,
      ServingSettings settings,
      AdapterSettings adapterSettings) {
    this.follower = follower;
    this.producer = producer;
    this.settings = settings;
    this.adapterSettings = adapterSettings;
  }

  /**
   * Pins {@code version} (0: the base model) on every replica.
   *
   * @throws ApiException 404 for a version never announced, 409 for one this replica refused
   */
  public AdapterCommand pin(long version, String operator, String reason) {
    AdapterState state = follower.state();
    if (version != LiveVersionRule.BASE_MODEL && !state.announced().contains(version)) {
      throw ApiException.notFound(
          "version", "adapter version " + version + " of " + settings.modelId() + " is unknown");
    }
    String refusal = state.refused().get(version);
    if (refusal != null) {
      throw ApiException.conflict(
          "version", "adapter version " + version + " was refused (" + refusal + "): not pinnable");
    }
    return send(command(AdapterAction.PIN, version, null, operator, reason));
  }

  /**
   * @throws ApiException 409 when no version is pinned
   */
  public AdapterCommand unpin(String operator, String reason) {
    AdapterState state = follower.state();
    if (state.decision().pinned() == null) {
      throw ApiException.conflict(null, "no adapter version is pinned");
    }
    return send(command(AdapterAction.UNPIN, null, null, operator, reason));
  }

  /**
   * Rolls the live version back: it is marked rolled back, and the newest remaining accepted
   * version (or the base model) goes live.
   *
   * @throws ApiException 409 when a version is pinned (unpin or pin another) or the base model is
   *     live (nothing to roll back)
   */
  public AdapterCommand rollback(String operator, String reason) {
    AdapterState state = follower.state();
    LiveVersionRule.Decision decision = state.decision();
    if (decision.pinned() != null) {
      throw ApiException.conflict(
          null,
          "version "
              + decision.pinned()
              + " is pinned: unpin it first, or pin the version to serve");
    }
    long from = decision.live();
    if (from == LiveVersionRule.BASE_MODEL) {
      throw ApiException.conflict(null, "nothing to roll back: the base model is live");
    }
    AdapterCommand rollback = command(AdapterAction.ROLLBACK, null, from, operator, reason);
    List<AdapterCommand> after = new ArrayList<>(state.commands());
    after.add(rollback);
    long next = LiveVersionRule.decide(state.announced(), after, state.refused().keySet()).live();
    rollback.setVersion(next);
    return send(rollback);
  }

  private AdapterCommand command(
      AdapterAction action, Long version, Long rolledBack, String operator, String reason) {
    return AdapterCommand.newBuilder()
        .setCommandId(UUID.randomUUID().toString())
        .setModelId(settings.modelId())
        .setAction(action)
        .setVersion(version)
        .setRolledBackVersion(rolledBack)
        .setOperator(operator)
        .setReason(reason == null ? "" : reason)
        .setIssuedAt(Instant.now())
        .build();
  }

  private AdapterCommand send(AdapterCommand command) {
    String topic = settings.topics().adapterCommands();
    LOG.info(
        "Operator {} asks {} of {}{}{} (command {}{})",
        command.getOperator(),
        command.getAction(),
        command.getModelId(),
        command.getVersion() == null ? "" : ", version " + command.getVersion(),
        command.getRolledBackVersion() == null
            ? ""
            : ", rolling back " + command.getRolledBackVersion(),
        command.getCommandId(),
        command.getReason().isEmpty() ? "" : ", reason: " + command.getReason());
    try {
      producer
          .send(
              new ProducerRecord<>(
                  topic,
                  null,
                  command.getIssuedAt().toEpochMilli(),
                  TopicKeys.of(command),
                  serde.serialize(topic, command)))
          .get(adapterSettings.commandAcknowledgeTimeout().toMillis(), TimeUnit.MILLISECONDS);
      return command;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApiException.unavailable("interrupted while waiting for Kafka");
    } catch (ExecutionException | KafkaException | IllegalStateException e) {
      LOG.error("Command {} was not accepted by Kafka: {}", command.getCommandId(), e.toString());
      throw ApiException.unavailable("Kafka refused the command: " + e.getMessage());
    } catch (TimeoutException e) {
      LOG.error("Command {} was not acknowledged in time", command.getCommandId());
      throw ApiException.unavailable(
          "Kafka did not acknowledge the command within "
              + adapterSettings.commandAcknowledgeTimeout());
    }
  }
}
