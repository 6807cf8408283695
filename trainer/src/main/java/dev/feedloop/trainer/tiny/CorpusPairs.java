package dev.feedloop.trainer.tiny;

import dev.feedloop.synthetic.HiddenPreference;
import dev.feedloop.synthetic.StylePair;
import dev.feedloop.synthetic.SyntheticChatCorpus;
import dev.feedloop.trainer.data.PreferencePair;
import java.util.List;
import java.util.Map;

/**
 * The synthetic corpus's style pairs as the trainer's training records: the one place that maps
 * {@link StylePair} to {@link PreferencePair} (weight 1, the question's category as metadata).
 */
public final class CorpusPairs {
  private CorpusPairs() {}

  /** {@link SyntheticChatCorpus#preferencePairs} as training records; the same seed, same pairs. */
  public static List<PreferencePair> forPreference(
      long seed, int count, HiddenPreference preference) {
    return new SyntheticChatCorpus()
        .preferencePairs(seed, count, preference).stream()
            .map(CorpusPairs::toTrainingPair)
            .toList();
  }

  static PreferencePair toTrainingPair(StylePair pair) {
    return new PreferencePair(
        pair.prompt(), pair.chosen(), pair.rejected(), 1.0, Map.of("category", pair.category()));
  }
}
