package dev.feedloop.serving.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.feedloop.infra.kafka.SharedKafkaBroker;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Where the server listens: loopback only without API keys, and no start at all on a non-loopback
 * host without keys unless the documented override says a gateway authenticates.
 */
class ServerBindingTest {

  @Test
  void withoutKeysTheServerListensOnLoopbackOnly() throws IOException {
    try (EmbeddedServer server = start(Map.of())) {
      assertThat(server.getHost()).isEqualTo("127.0.0.1");
      HttpURLConnection local =
          (HttpURLConnection) new URL(server.getURL(), "/health/liveness").openConnection();
      assertThat(local.getResponseCode()).isEqualTo(200);
      // every other address of this machine is refused: nothing listens there
      for (InetAddress address : nonLoopbackAddresses()) {
        try (Socket socket = new Socket()) {
          Throwable refused =
              catchThrowable(
                  () -> socket.connect(new InetSocketAddress(address, server.getPort()), 2000));
          assertThat(refused).as(address.toString()).isInstanceOf(IOException.class);
        }
      }
    }
  }

  @Test
  void aNonLoopbackHostWithoutKeysRefusesToStart() {
    Throwable refused;
    try (ApplicationContext context =
        ApplicationContext.builder()
            .properties(properties(Map.of("micronaut.server.host", "0.0.0.0")))
            .environments("test")
            .start()) {
      refused = catchThrowable(() -> context.getBean(EmbeddedServer.class).start());
    }

    assertThat(refused).isNotNull();
    assertThat(messages(refused))
        .contains("Refusing to listen on 0.0.0.0 without API keys")
        .contains("FEEDLOOP_SERVING_API_KEYS")
        .contains("FEEDLOOP_SERVING_HOST")
        .contains("FEEDLOOP_SERVING_ALLOW_UNAUTHENTICATED_NETWORK");
  }

  @Test
  void theOverrideLetsAGatewayProtectedReplicaListenWithoutKeys() {
    try (EmbeddedServer server =
        start(
            Map.of(
                "micronaut.server.host",
                "0.0.0.0",
                "feedloop.serving.access.allow-unauthenticated-network",
                "true"))) {
      assertThat(server.getHost()).isEqualTo("0.0.0.0");
      assertThat(server.isRunning()).isTrue();
    }
  }

  private static EmbeddedServer start(Map<String, Object> extra) {
    return ApplicationContext.run(EmbeddedServer.class, properties(extra), "test");
  }

  private static Map<String, Object> properties(Map<String, Object> extra) {
    Map<String, Object> properties = new HashMap<>(extra);
    properties.put("feedloop.kafka.bootstrap-servers", SharedKafkaBroker.bootstrapServers());
    properties.put("feedloop.serving.model-dir", "../models/tiny-chat");
    properties.put("micronaut.server.port", -1);
    return properties;
  }

  private static String messages(Throwable error) {
    StringBuilder all = new StringBuilder();
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      all.append(cause.getMessage()).append('\n');
    }
    return all.toString();
  }

  private static List<InetAddress> nonLoopbackAddresses() throws IOException {
    List<InetAddress> addresses = new ArrayList<>();
    for (NetworkInterface network : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (network.isUp() && !network.isLoopback()) {
        for (InetAddress address : Collections.list(network.getInetAddresses())) {
          if (address instanceof Inet4Address) {
            addresses.add(address);
          }
        }
      }
    }
    return addresses;
  }
}
