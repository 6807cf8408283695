package dev.feedloop.serving.access;

import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import java.net.URI;
import java.util.List;
import java.util.Set;

/**
 * Which calls are open, which need a client key and which an operator key, decided on the
 * normalized path (percent-decoded, dot segments resolved, repeated slashes collapsed), so that no
 * spelling of a path reaches a route past its guard.
 */
public final class ApiPaths {

  /** Load balancers probe these without credentials. */
  private static final String HEALTH = "/health";

  /** Everything below it that changes state needs an operator key. */
  private static final String ADAPTERS = "/v1/adapters";

  /**
   * The operator console's page and its static files are open (a browser cannot send a key when it
   * navigates; they hold no data); its data, below {@link #CONSOLE_API}, needs an operator key.
   */
  private static final String CONSOLE = "/console";

  private static final String CONSOLE_API = CONSOLE + "/api";
  private static final List<String> CONSOLE_STATIC =
      List.of(CONSOLE + "/assets/", CONSOLE + "/vendor/");

  public static final String CHAT_COMPLETIONS = "/v1/chat/completions";

  private static final Set<HttpMethod> READS =
      Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

  private ApiPaths() {}

  public static String normalized(HttpRequest<?> request) {
    String path = URI.create(request.getUri().getRawPath()).normalize().getPath();
    if (path == null || path.isEmpty()) {
      return "/";
    }
    path = path.replaceAll("/{2,}", "/");
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  public static boolean isOpen(String path) {
    return path.equals(HEALTH)
        || path.startsWith(HEALTH + "/")
        || path.equals(CONSOLE)
        || CONSOLE_STATIC.stream().anyMatch(path::startsWith);
  }

  /** Adapter actions, and everything the console's page reads (the loop's whole state). */
  public static boolean needsOperator(HttpRequest<?> request, String path) {
    return (!READS.contains(request.getMethod())
            && (path.equals(ADAPTERS) || path.startsWith(ADAPTERS + "/")))
        || path.equals(CONSOLE_API)
        || path.startsWith(CONSOLE_API + "/");
  }
}
