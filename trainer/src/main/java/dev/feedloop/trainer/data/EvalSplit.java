package dev.feedloop.trainer.data;

import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.UnaryFeedback;
import dev.feedloop.schemas.rules.RecordIds;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Splits records into train and held-out by a seeded hash of each record's content, so a record
 * lands on the same side whatever the file order or batch it arrives in (the online loop's held-out
 * slice stays held out), and the same content from two sources (a data file and a user's choice)
 * lands on the same side. The content hash is the one an imported record's id is made of.
 */
public final class EvalSplit {
  private EvalSplit() {}

  public record Split<T>(List<T> train, List<T> eval) {}

  public static <T> Split<T> split(
      List<T> records, Function<T, String> contentHash, double evalFraction, long seed) {
    if (evalFraction < 0 || evalFraction >= 1) {
      throw new IllegalArgumentException("eval fraction must be in [0, 1), got " + evalFraction);
    }
    List<T> train = new ArrayList<>();
    List<T> eval = new ArrayList<>();
    for (T record : records) {
      (isEval(contentHash.apply(record), evalFraction, seed) ? eval : train).add(record);
    }
    return new Split<>(train, eval);
  }

  public static Split<PreferencePair> pairs(
      List<PreferencePair> pairs, double evalFraction, long seed) {
    return split(pairs, EvalSplit::contentHash, evalFraction, seed);
  }

  public static Split<UnaryFeedback> unary(
      List<UnaryFeedback> records, double evalFraction, long seed) {
    return split(records, EvalSplit::contentHash, evalFraction, seed);
  }

  static String contentHash(PreferencePair pair) {
    return RecordIds.pairContentHash(pair.getPrompt(), pair.getChosen(), pair.getRejected());
  }

  static String contentHash(UnaryFeedback record) {
    return RecordIds.unaryContentHash(
        record.getPrompt(), record.getCompletion(), record.getDesirable());
  }

  static boolean isEval(String hexHash, double evalFraction, long seed) {
    long bits = Long.parseUnsignedLong(hexHash.substring(0, 15), 16) ^ (seed * 0x9E3779B97F4A7C15L);
    bits ^= bits >>> 31;
    bits *= 0xbf58476d1ce4e5b9L;
    bits ^= bits >>> 29;
    double unit = (bits >>> 11) * 0x1.0p-53;
    return unit < evalFraction;
  }
}
