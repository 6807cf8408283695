package dev.feedloop.serving.access;

import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.http.server.HttpServerConfiguration;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the address the server listens on before it binds: without API keys, loopback only (the
 * service must not be reachable unprotected); with keys, {@code FEEDLOOP_SERVING_HOST} or every
 * interface. A non-loopback host without keys stops the start, unless {@code
 * FEEDLOOP_SERVING_ALLOW_UNAUTHENTICATED_NETWORK=true} says a gateway in front authenticates.
 */
@Singleton
public class ServerBinding implements BeanCreatedEventListener<HttpServerConfiguration> {

  private static final Logger LOG = LoggerFactory.getLogger(ServerBinding.class);

  static final String LOOPBACK = "127.0.0.1";
  static final String EVERY_INTERFACE = "0.0.0.0";

  private final ApiKeys keys;
  private final AccessSettings settings;

  public ServerBinding(ApiKeys keys, AccessSettings settings) {
    this.keys = keys;
    this.settings = settings;
  }

  @Override
  public HttpServerConfiguration onCreated(BeanCreatedEvent<HttpServerConfiguration> event) {
    HttpServerConfiguration server = event.getBean();
    Optional<String> host = server.getHost().filter(value -> !value.isBlank());
    if (keys.enabled()) {
      if (host.isEmpty()) {
        server.setHost(EVERY_INTERFACE);
      }
      LOG.info(
          "API keys required: {} client and {} operator keys; listening on {}",
          keys.count(ApiKeys.Role.CLIENT),
          keys.count(ApiKeys.Role.OPERATOR),
          server.getHost().orElseThrow());
      if (!keys.hasOperatorKeys()) {
        LOG.warn(
            "No operator key configured (FEEDLOOP_SERVING_OPERATOR_KEYS): nobody can pin, unpin"
                + " or roll back adapters through this replica");
      }
      return server;
    }
    if (host.isEmpty()) {
      server.setHost(LOOPBACK);
    } else if (!isLoopback(host.get())) {
      if (!settings.allowUnauthenticatedNetwork()) {
        throw new IllegalStateException(
            "Refusing to listen on "
                + host.get()
                + " without API keys: set FEEDLOOP_SERVING_API_KEYS (and"
                + " FEEDLOOP_SERVING_OPERATOR_KEYS) or their _FILE variants, or unset"
                + " FEEDLOOP_SERVING_HOST to listen on loopback only, or set"
                + " FEEDLOOP_SERVING_ALLOW_UNAUTHENTICATED_NETWORK=true when a gateway in front"
                + " authenticates callers");
      }
      LOG.warn(
          "No API keys configured and listening on {}: every caller reaching it may chat, send"
              + " feedback and pin adapters (FEEDLOOP_SERVING_ALLOW_UNAUTHENTICATED_NETWORK=true)",
          host.get());
      return server;
    }
    LOG.warn(
        "No API keys configured (FEEDLOOP_SERVING_API_KEYS, FEEDLOOP_SERVING_OPERATOR_KEYS):"
            + " listening on loopback {} only, every local caller is allowed",
        server.getHost().orElseThrow());
    return server;
  }

  static boolean isLoopback(String host) {
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException unknown) {
      return false;
    }
  }
}
