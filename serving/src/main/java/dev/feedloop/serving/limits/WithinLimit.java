package dev.feedloop.serving.limits;

import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.METHOD;
import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.ElementType.RECORD_COMPONENT;
import static java.lang.annotation.ElementType.TYPE_USE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import jakarta.validation.Constraint;
import jakarta.validation.Payload;
import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;

/**
 * The annotated value (a number, or a collection's size) must not exceed a configured limit;
 * checked by {@link WithinLimitValidator} against the replica's settings, refused with 400 and the
 * limit's {@link Limit#code()}.
 */
@Documented
@Retention(RUNTIME)
@Target({FIELD, METHOD, PARAMETER, RECORD_COMPONENT, TYPE_USE})
@Constraint(validatedBy = {})
public @interface WithinLimit {

  Limit value();

  String message() default "exceeds the server's limit";

  Class<?>[] groups() default {};

  Class<? extends Payload>[] payload() default {};
}
