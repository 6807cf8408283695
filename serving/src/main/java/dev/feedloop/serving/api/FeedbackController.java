package dev.feedloop.serving.api;

import dev.feedloop.serving.feedback.FeedbackService;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Status;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import jakarta.validation.Valid;

/** Users' feedback on generations: 202 once Kafka holds it. */
@Controller("/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
public class FeedbackController {

  private final FeedbackService feedback;

  public FeedbackController(FeedbackService feedback) {
    this.feedback = feedback;
  }

  @Post("/feedback")
  @Status(HttpStatus.ACCEPTED)
  public FeedbackAccepted submit(@Valid @Body FeedbackRequest request) {
    return feedback.submit(request);
  }
}
