package dev.feedloop.model.generate;

import dev.feedloop.model.Completion;

/**
 * Receives a row's tokens as they are generated, on the thread that runs the batch: it must return
 * quickly (hand the token over, do not block).
 */
public interface TokenListener {

  /** A token was sampled; {@link #finished} follows when it was the last. */
  void token(DecodeRow row, GeneratedToken token);

  /**
   * The row ended (finish reason "stop", "length" or {@link DecodeRow#CANCELLED}); its completion
   * text is the concatenation of the tokens' texts.
   */
  void finished(DecodeRow row, Completion completion);

  /** A listener that ignores tokens and keeps the completion. */
  TokenListener NONE =
      new TokenListener() {
        @Override
        public void token(DecodeRow row, GeneratedToken token) {}

        @Override
        public void finished(DecodeRow row, Completion completion) {}
      };
}
