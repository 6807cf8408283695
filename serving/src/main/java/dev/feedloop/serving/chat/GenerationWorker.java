package dev.feedloop.serving.chat;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The one thread that runs the model. Requests queue here and are generated one after another: the
 * model's decode loop is not shared between concurrent requests yet (continuous batching is the
 * next step), and a single thread keeps DJL's native state free of races meanwhile.
 */
@Singleton
public final class GenerationWorker {

  private final ExecutorService thread =
      Executors.newSingleThreadExecutor(
          runnable -> {
            Thread worker = new Thread(runnable, "generation-worker");
            worker.setDaemon(true);
            return worker;
          });

  /** Runs {@code work} on the generation thread and waits for it. */
  public <T> T run(Callable<T> work) {
    Future<T> result = thread.submit(work);
    try {
      return result.get();
    } catch (InterruptedException e) {
      result.cancel(true);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for generation", e);
    } catch (ExecutionException e) {
      // a refusal (e.g. the prompt does not fit the context) reaches the caller unchanged
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure;
      }
      throw new IllegalStateException("generation failed", e.getCause());
    }
  }

  @PreDestroy
  void stop() {
    thread.shutdownNow();
  }
}
