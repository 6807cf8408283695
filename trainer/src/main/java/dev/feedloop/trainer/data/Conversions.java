package dev.feedloop.trainer.data;

import dev.feedloop.schemas.ChatMessage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Conversions between pairwise, unary and ranked preference data. */
public final class Conversions {
  private Conversions() {}

  /**
   * Each pair becomes a desirable record (its chosen answer) and an undesirable one (its rejected
   * answer).
   */
  public static List<UnaryRecord> pairsToUnary(List<PreferencePair> pairs) {
    List<UnaryRecord> records = new ArrayList<>(pairs.size() * 2);
    for (PreferencePair pair : pairs) {
      records.add(new UnaryRecord(pair.prompt(), pair.chosen(), true, pair.metadata()));
      records.add(new UnaryRecord(pair.prompt(), pair.rejected(), false, pair.metadata()));
    }
    return records;
  }

  /**
   * Pairs every desirable completion of a prompt with every undesirable completion of the same
   * prompt (identical messages), in input order, at most {@code maxPairsPerPrompt} per prompt (0 =
   * no limit). Prompts with only one kind of feedback give no pair, and neither does an up- and a
   * down-vote on the same text (it teaches nothing).
   */
  public static List<PreferencePair> unaryToPairs(
      List<UnaryRecord> records, int maxPairsPerPrompt) {
    Map<List<ChatMessage>, List<UnaryRecord>> byPrompt = new LinkedHashMap<>();
    for (UnaryRecord record : records) {
      byPrompt.computeIfAbsent(record.prompt(), prompt -> new ArrayList<>()).add(record);
    }
    List<PreferencePair> pairs = new ArrayList<>();
    for (Map.Entry<List<ChatMessage>, List<UnaryRecord>> group : byPrompt.entrySet()) {
      List<UnaryRecord> desirable =
          group.getValue().stream().filter(UnaryRecord::desirable).toList();
      List<UnaryRecord> undesirable =
          group.getValue().stream().filter(r -> !r.desirable()).toList();
      int made = 0;
      outer:
      for (UnaryRecord good : desirable) {
        for (UnaryRecord bad : undesirable) {
          if (maxPairsPerPrompt > 0 && made == maxPairsPerPrompt) {
            break outer;
          }
          if (good.completion().strip().equals(bad.completion().strip())) {
            continue;
          }
          pairs.add(PreferencePair.of(group.getKey(), good.completion(), bad.completion()));
          made++;
        }
      }
    }
    return pairs;
  }

  /**
   * A ranking of K answers (best first) gives its K(K-1)/2 pairs: answer i is preferred over every
   * answer j > i.
   */
  public static List<PreferencePair> rankingToPairs(
      List<ChatMessage> prompt, List<String> answersBestFirst) {
    List<PreferencePair> pairs = new ArrayList<>();
    for (int better = 0; better < answersBestFirst.size(); better++) {
      for (int worse = better + 1; worse < answersBestFirst.size(); worse++) {
        pairs.add(
            new PreferencePair(
                prompt,
                answersBestFirst.get(better),
                answersBestFirst.get(worse),
                1.0,
                Map.of("rank_chosen", (double) better, "rank_rejected", (double) worse)));
      }
    }
    return pairs;
  }

  /**
   * Scored answers: every pair with different scores, the higher-scored one chosen; ties give no
   * pair.
   */
  public static List<PreferencePair> scoredToPairs(
      List<ChatMessage> prompt, List<String> answers, double[] scores) {
    List<PreferencePair> pairs = new ArrayList<>();
    for (int i = 0; i < answers.size(); i++) {
      for (int j = i + 1; j < answers.size(); j++) {
        if (scores[i] == scores[j]) {
          continue;
        }
        int better = scores[i] > scores[j] ? i : j;
        int worse = better == i ? j : i;
        pairs.add(
            new PreferencePair(
                prompt,
                answers.get(better),
                answers.get(worse),
                1.0,
                Map.of("score_chosen", scores[better], "score_rejected", scores[worse])));
      }
    }
    return pairs;
  }

  /**
   * The mismatched prompt/completion pairs of a KTO batch from which the KL reference point z0 is
   * estimated: record i's prompt with record (i - 1)'s completion (the batch rotated by one, as TRL
   * builds its KL dataset). A batch of one has no mismatched pair.
   */
  public static List<UnaryRecord> mismatchedForKl(List<UnaryRecord> batch) {
    if (batch.size() < 2) {
      return List.of();
    }
    List<UnaryRecord> mismatched = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      UnaryRecord promptSource = batch.get(i);
      UnaryRecord completionSource = batch.get((i + batch.size() - 1) % batch.size());
      mismatched.add(
          UnaryRecord.of(
              promptSource.prompt(), completionSource.completion(), promptSource.desirable()));
    }
    return mismatched;
  }
}
