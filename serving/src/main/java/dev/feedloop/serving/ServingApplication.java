package dev.feedloop.serving;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.Micronaut;
import io.micronaut.runtime.server.EmbeddedServer;
import java.util.Map;

/** Starts the OpenAI-compatible service: `java -jar serving.jar`, configured by application.yml. */
public final class ServingApplication {

  private ServingApplication() {}

  public static void main(String[] args) {
    Micronaut.run(ServingApplication.class, args);
  }

  /**
   * Starts the service inside another process (the launcher's {@code feedloop serve} and its
   * default run). {@code properties} win over application.yml and environment variables; closing
   * the returned server stops the service and its application context.
   */
  public static EmbeddedServer start(Map<String, Object> properties) {
    return ApplicationContext.run(EmbeddedServer.class, properties);
  }
}
