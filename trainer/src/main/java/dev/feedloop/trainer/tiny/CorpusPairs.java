package dev.feedloop.trainer.tiny;

import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.synthetic.HiddenPreference;
import dev.feedloop.synthetic.StylePair;
import dev.feedloop.synthetic.SyntheticChatCorpus;
import dev.feedloop.trainer.data.ImportedRecords;
import java.time.Instant;
import java.util.List;

/**
 * The synthetic corpus's style pairs as the trainer's training records: the one place that maps
 * {@link StylePair} to {@link PreferencePair} (weight 1, source IMPORT, a fixed creation time so
 * that the same seed gives equal records).
 */
public final class CorpusPairs {
  private static final ImportedRecords RECORDS =
      ImportedRecords.stamped(ImportedRecords.DEFAULT_MODEL_ID, Instant.EPOCH);

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
    return RECORDS.pair(pair.prompt(), pair.chosen(), pair.rejected());
  }
}
