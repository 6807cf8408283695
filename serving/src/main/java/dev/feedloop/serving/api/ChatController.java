package dev.feedloop.serving.api;

import dev.feedloop.serving.chat.ChatService;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import jakarta.validation.Valid;

/** OpenAI's chat completions endpoint. Generation blocks, so it runs off the event loop. */
@Controller("/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
public class ChatController {

  private final ChatService chat;

  public ChatController(ChatService chat) {
    this.chat = chat;
  }

  @Post("/chat/completions")
  public ChatCompletionResponse complete(@Valid @Body ChatCompletionRequest request) {
    return chat.complete(request);
  }
}
