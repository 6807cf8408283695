package dev.feedloop.serving.limits;

import dev.feedloop.serving.ServingSettings;
import io.micronaut.core.annotation.AnnotationValue;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.validation.validator.constraints.ConstraintValidator;
import io.micronaut.validation.validator.constraints.ConstraintValidatorContext;
import jakarta.inject.Singleton;
import java.util.Collection;

/** Checks {@link WithinLimit} against this replica's limits. */
@Singleton
public class WithinLimitValidator implements ConstraintValidator<WithinLimit, Object> {

  private final LimitSettings limits;
  private final ServingSettings serving;

  public WithinLimitValidator(LimitSettings limits, ServingSettings serving) {
    this.limits = limits;
    this.serving = serving;
  }

  @Override
  public boolean isValid(
      @Nullable Object value,
      AnnotationValue<WithinLimit> annotation,
      ConstraintValidatorContext context) {
    if (value == null) {
      return true;
    }
    Limit limit = annotation.enumValue("value", Limit.class).orElseThrow();
    long max = maximum(limit);
    long actual;
    if (value instanceof Collection<?> collection) {
      actual = collection.size();
    } else if (value instanceof Number number) {
      actual = number.longValue();
    } else {
      throw new IllegalArgumentException("@WithinLimit applies to numbers and collections");
    }
    if (actual <= max) {
      return true;
    }
    context.messageTemplate(
        (value instanceof Collection<?> ? "must have at most " : "must be at most ")
            + max
            + " (this server's "
            + limit.code()
            + ")");
    return false;
  }

  private long maximum(Limit limit) {
    return switch (limit) {
      case MESSAGES -> limits.maxMessages();
      case COMPLETION_TOKENS -> limits.maxCompletionTokens();
      case CANDIDATES -> serving.maxCandidates();
      case PROMPT_TOKENS -> limits.maxPromptTokens();
      case BODY_SIZE, CONCURRENT_REQUESTS ->
          throw new IllegalArgumentException(limit + " is not a field limit");
    };
  }
}
