package dev.feedloop.serving.console;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The operator console: GET /console is the page (its scripts, styles and the vendored chart
 * library are static resources under /console/assets/ and /console/vendor/, see application.yml);
 * GET /console/api/state is the snapshot the page polls. With keys configured the page and assets
 * are open and the state needs an operator key ({@code access.ApiPaths}); the page's actions call
 * the adapter endpoints with the same key.
 */
@Controller("/console")
public class ConsoleController {

  private static final String PAGE = "console/index.html";

  private final ConsoleFeed feed;
  private final String page;

  public ConsoleController(ConsoleFeed feed) {
    this.feed = feed;
    this.page = resource(PAGE);
  }

  @Get(produces = MediaType.TEXT_HTML + ";charset=utf-8")
  public HttpResponse<String> page() {
    return HttpResponse.ok(page).header("Cache-Control", "no-cache");
  }

  @Get(uri = "/api/state", produces = MediaType.APPLICATION_JSON)
  public HttpResponse<ConsoleState> state() {
    return HttpResponse.ok(feed.state()).header("Cache-Control", "no-store");
  }

  private static String resource(String name) {
    try (InputStream in = ConsoleController.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
