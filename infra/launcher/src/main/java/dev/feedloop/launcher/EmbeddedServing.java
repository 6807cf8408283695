package dev.feedloop.launcher;

import dev.feedloop.serving.ServingApplication;
import io.micronaut.runtime.server.EmbeddedServer;
import java.util.HashMap;
import java.util.Map;

/**
 * Starts the serving service in the launcher's process, configured like a standalone replica
 * (application.yml, overridden by environment variables) but against the launcher's cluster and
 * topics.
 */
final class EmbeddedServing {

  /** 0 in FEEDLOOP_SERVING_PORT: any free port (Micronaut's -1). */
  private static final String ANY_PORT = "0";

  private EmbeddedServing() {}

  /**
   * @param bootstrapServers the cluster; null leaves application.yml's (KAFKA_BOOTSTRAP_SERVERS)
   * @param environment the launcher's environment: the topic prefix, model directory and port it
   *     names are passed on explicitly, so an environment given to the launcher (tests) reaches the
   *     service as the process environment would
   */
  static EmbeddedServer start(String bootstrapServers, Map<String, String> environment) {
    Map<String, Object> properties = new HashMap<>();
    if (bootstrapServers != null) {
      properties.put("feedloop.kafka.bootstrap-servers", bootstrapServers);
    }
    properties.put(
        "feedloop.kafka.topic-prefix", environment.getOrDefault("FEEDLOOP_TOPIC_PREFIX", ""));
    String modelDirectory = environment.get("FEEDLOOP_MODEL_DIR");
    if (modelDirectory != null && !modelDirectory.isBlank()) {
      properties.put("feedloop.serving.model-dir", modelDirectory);
    }
    String port = environment.get("FEEDLOOP_SERVING_PORT");
    if (port != null && !port.isBlank()) {
      properties.put("micronaut.server.port", ANY_PORT.equals(port.strip()) ? -1 : port.strip());
    }
    return ServingApplication.start(properties);
  }

  /** The base URL OpenAI clients take ({@code base_url} / {@code baseURL}). */
  static String openAiBaseUrl(EmbeddedServer server) {
    String host = server.getHost();
    // every interface: loopback reaches it from this machine
    String reachable = "0.0.0.0".equals(host) ? "127.0.0.1" : host;
    return "http://" + reachable + ":" + server.getPort() + "/v1";
  }
}
