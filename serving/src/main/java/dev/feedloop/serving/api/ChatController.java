package dev.feedloop.serving.api;

import dev.feedloop.serving.chat.ChatService;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Produces;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import jakarta.validation.Valid;

/**
 * OpenAI's chat completions endpoint: a chat.completion object, or with {@code stream: true} a
 * stream of chat.completion.chunk Server-Sent Events. A plain answer waits for generation, so the
 * endpoint runs off the event loop; a client that disconnects while it waits makes its candidates
 * leave the batch.
 */
@Controller("/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
public class ChatController {

  private final ChatService chat;

  public ChatController(ChatService chat) {
    this.chat = chat;
  }

  @Post("/chat/completions")
  @Produces({MediaType.APPLICATION_JSON, MediaType.TEXT_EVENT_STREAM})
  public HttpResponse<?> complete(@Valid @Body ChatCompletionRequest request, HttpRequest<?> http) {
    if (Boolean.TRUE.equals(request.stream())) {
      // a streamed answer's subscription is cancelled when its client goes away
      return HttpResponse.ok(chat.stream(request)).contentType(MediaType.TEXT_EVENT_STREAM_TYPE);
    }
    return HttpResponse.ok(chat.complete(request, ConnectionClose.of(http)));
  }
}
