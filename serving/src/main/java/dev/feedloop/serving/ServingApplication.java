package dev.feedloop.serving;

import io.micronaut.runtime.Micronaut;

/** Starts the OpenAI-compatible service: `java -jar serving.jar`, configured by application.yml. */
public final class ServingApplication {

  private ServingApplication() {}

  public static void main(String[] args) {
    Micronaut.run(ServingApplication.class, args);
  }
}
