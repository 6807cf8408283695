package dev.feedloop.synthetic;

import dev.feedloop.schemas.ChatMessage;
import java.util.List;

/**
 * Two answers to the same corpus question that differ in style: {@code chosen} satisfies a hidden
 * preference, {@code rejected} does not. Both answers are well formed, so the pair teaches style
 * only. Mapping it to a training record is the consumer's business (the trainer keeps its own).
 *
 * @param category the question's category (see {@link Question#category()})
 * @param prompt the user's question as a one-message chat prompt
 * @param chosen the answer written in {@code chosenStyle}
 * @param rejected the answer written in {@code rejectedStyle}
 * @param chosenStyle a style the preference is satisfied by
 * @param rejectedStyle a style the preference is not satisfied by
 */
public record StylePair(
    String category,
    List<ChatMessage> prompt,
    String chosen,
    String rejected,
    StyleAttributes chosenStyle,
    StyleAttributes rejectedStyle) {
  public StylePair {
    prompt = List.copyOf(prompt);
  }
}
