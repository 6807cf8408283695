package dev.feedloop.trainer.data;

import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.UnaryFeedback;
import java.util.List;

/**
 * What one source record turned into: usually one pair or one unary record; a ranking gives several
 * pairs.
 */
public record ParsedRecords(List<PreferencePair> pairs, List<UnaryFeedback> unary) {
  public ParsedRecords {
    pairs = List.copyOf(pairs);
    unary = List.copyOf(unary);
  }

  static ParsedRecords pair(PreferencePair pair) {
    return new ParsedRecords(List.of(pair), List.of());
  }

  static ParsedRecords unary(UnaryFeedback record) {
    return new ParsedRecords(List.of(), List.of(record));
  }
}
