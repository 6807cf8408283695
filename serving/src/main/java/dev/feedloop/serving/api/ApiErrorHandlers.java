package dev.feedloop.serving.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.feedloop.serving.limits.Limit;
import dev.feedloop.serving.limits.WithinLimit;
import io.micronaut.core.beans.BeanIntrospector;
import io.micronaut.core.beans.BeanProperty;
import io.micronaut.core.convert.exceptions.ConversionErrorException;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import io.micronaut.http.codec.CodecException;
import io.micronaut.http.exceptions.ContentLengthExceededException;
import io.micronaut.http.server.HttpServerConfiguration;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.web.router.exceptions.UnsatisfiedRouteException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every refusal as OpenAI's error object, naming the field at fault by its JSON name and path
 * ({@code messages[0].role}), so clients and SDKs show a useful message.
 */
@Controller
public class ApiErrorHandlers {

  private final JsonMapper json;
  private final long maxBodyBytes;

  public ApiErrorHandlers(JsonMapper json, HttpServerConfiguration server) {
    this.json = json;
    this.maxBodyBytes = server.getMaxRequestSize();
  }

  private static final String INVALID = "invalid_request_error";
  private static final String INVALID_VALUE = "invalid_value";
  private static final Pattern CAMEL_HUMP = Pattern.compile("([a-z0-9])([A-Z])");

  /** Serde names the property it could not decode: "... property [Double temperature] ...". */
  private static final Pattern DECODED_PROPERTY =
      Pattern.compile("property \\[(?:[\\w.<>$]+ )?(\\w+)\\]");

  @Error(global = true)
  public HttpResponse<ApiError> refused(HttpRequest<?> request, ApiException e) {
    return HttpResponse.<ApiError>status(e.status()).body(e.body());
  }

  @Error(global = true)
  public HttpResponse<ApiError> invalid(HttpRequest<?> request, ConstraintViolationException e) {
    ConstraintViolation<?> first =
        e.getConstraintViolations().stream()
            .min(Comparator.comparing(v -> v.getPropertyPath().toString()))
            .orElseThrow();
    String param = jsonPath(first.getPropertyPath().toString());
    return badRequest(param + ": " + first.getMessage(), param, violatedLimit(first));
  }

  /**
   * The error's {@code code}: a configured limit's own name ({@code max_messages}), else OpenAI's
   * code for a range ({@code decimal_above_max_value}), else {@code invalid_value}.
   */
  static String violatedLimit(ConstraintViolation<?> violation) {
    Annotation constraint = violation.getConstraintDescriptor().getAnnotation();
    if (constraint instanceof WithinLimit limit) {
      return limit.value().code();
    }
    if (constraint instanceof DecimalMax || constraint instanceof DecimalMin) {
      return constraint instanceof DecimalMax
          ? "decimal_above_max_value"
          : "decimal_below_min_value";
    }
    if (constraint instanceof Max) {
      return "integer_above_max_value";
    }
    if (constraint instanceof Min) {
      return "integer_below_min_value";
    }
    return INVALID_VALUE;
  }

  /**
   * 413 for a body over {@code micronaut.server.max-request-size}, as OpenAI's error object rather
   * than Netty's default answer.
   */
  @Error(global = true)
  public HttpResponse<ApiError> tooLarge(HttpRequest<?> request, ContentLengthExceededException e) {
    return HttpResponse.<ApiError>status(HttpStatus.REQUEST_ENTITY_TOO_LARGE)
        .body(
            ApiError.of(
                "the request body exceeds this server's limit of " + maxBodyBytes + " bytes",
                INVALID,
                null,
                Limit.BODY_SIZE.code()));
  }

  @Error(global = true)
  public HttpResponse<ApiError> undecodable(HttpRequest<?> request, ConversionErrorException e) {
    String param =
        request
            .getAttribute(RequestBodyKeeper.RAW_BODY, String.class)
            .flatMap(this::parseTree)
            .map(body -> firstUndecodableField(body, e.getArgument().getType()))
            .orElseGet(() -> decodedField(e));
    return badRequest("malformed request body: " + e.getMessage(), param);
  }

  private Optional<JsonNode> parseTree(String body) {
    try {
      return Optional.of(json.readValue(body, JsonNode.class));
    } catch (IOException | RuntimeException unparsable) {
      return Optional.empty();
    }
  }

  /**
   * Serde does not say which property it could not decode, so each property of the body is decoded
   * on its own into its declared type; the first that fails is the one to name.
   */
  private String firstUndecodableField(JsonNode body, Class<?> type) {
    if (!body.isObject()) {
      return null;
    }
    var introspection = BeanIntrospector.SHARED.findIntrospection(type);
    if (introspection.isEmpty()) {
      return null;
    }
    for (BeanProperty<?, ?> property : introspection.get().getBeanProperties()) {
      String name = property.stringValue(JsonProperty.class).orElse(property.getName());
      JsonNode value = body.get(name);
      if (value == null || value.isNull()) {
        continue;
      }
      try {
        json.readValueFromTree(value, property.asArgument());
      } catch (IOException | RuntimeException undecodable) {
        return name;
      }
    }
    return null;
  }

  @Error(global = true)
  public HttpResponse<ApiError> unparsable(HttpRequest<?> request, CodecException e) {
    return badRequest("malformed request body: " + e.getMessage(), decodedField(e));
  }

  @Error(global = true)
  public HttpResponse<ApiError> missing(HttpRequest<?> request, UnsatisfiedRouteException e) {
    return badRequest("missing request body or parameter: " + e.getMessage(), null);
  }

  /** "complete.request.messages[0].maxTokens": drop method and parameter, use JSON names. */
  static String jsonPath(String propertyPath) {
    String[] nodes = propertyPath.split("\\.", 3);
    String path = nodes.length == 3 ? nodes[2] : propertyPath;
    return snakeCase(path);
  }

  private static String decodedField(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause.getMessage() != null) {
        Matcher matcher = DECODED_PROPERTY.matcher(cause.getMessage());
        if (matcher.find()) {
          return snakeCase(matcher.group(1));
        }
      }
    }
    return null;
  }

  private static String snakeCase(String name) {
    return CAMEL_HUMP.matcher(name).replaceAll("$1_$2").toLowerCase(Locale.ROOT);
  }

  private static HttpResponse<ApiError> badRequest(String message, String param) {
    return badRequest(message, param, INVALID_VALUE);
  }

  private static HttpResponse<ApiError> badRequest(String message, String param, String code) {
    return HttpResponse.<ApiError>status(HttpStatus.BAD_REQUEST)
        .body(ApiError.of(message, INVALID, param, code));
  }
}
