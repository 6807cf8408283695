package dev.feedloop.model;

/**
 * A model, adapter or tokenizer directory that cannot be used; the message names the file and the
 * problem.
 */
public class ModelLoadException extends RuntimeException {
  public ModelLoadException(String message) {
    super(message);
  }

  public ModelLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
