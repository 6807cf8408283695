package dev.feedloop.trainer.data;

import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.PairSource;
import dev.feedloop.schemas.PreferencePair;
import dev.feedloop.schemas.UnaryFeedback;
import dev.feedloop.schemas.rules.RecordIds;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Conversions between pairwise, unary and ranked preference data. A derived record keeps what its
 * sources say about where they came from (model, generations, adapter versions, user, time) and
 * gets the id of its content.
 */
public final class Conversions {
  private Conversions() {}

  /**
   * Each pair becomes a desirable record (its chosen answer) and an undesirable one (its rejected
   * answer), each with the pair's weight and the generation that produced that answer.
   */
  public static List<UnaryFeedback> pairsToUnary(List<PreferencePair> pairs) {
    List<UnaryFeedback> records = new ArrayList<>(pairs.size() * 2);
    for (PreferencePair pair : pairs) {
      records.add(
          side(
              pair,
              pair.getChosen(),
              true,
              pair.getChosenGenerationId(),
              pair.getChosenAdapterVersion()));
      records.add(
          side(
              pair,
              pair.getRejected(),
              false,
              pair.getRejectedGenerationId(),
              pair.getRejectedAdapterVersion()));
    }
    return records;
  }

  private static UnaryFeedback side(
      PreferencePair pair,
      String completion,
      boolean desirable,
      String generationId,
      Long adapterVersion) {
    return UnaryFeedback.newBuilder()
        .setRecordId(RecordIds.importedUnary(pair.getPrompt(), completion, desirable))
        .setPromptHash(pair.getPromptHash())
        .setModelId(pair.getModelId())
        .setPrompt(pair.getPrompt())
        .setCompletion(completion)
        .setDesirable(desirable)
        .setGenerationId(generationId)
        .setAdapterVersion(adapterVersion)
        .setUserId(pair.getUserId())
        .setWeight(pair.getWeight())
        .setCreatedAt(pair.getCreatedAt())
        .build();
  }

  /**
   * Pairs every desirable completion of a prompt with every undesirable completion of the same
   * prompt (identical messages), in input order, at most {@code maxPairsPerPrompt} per prompt (0 =
   * no limit). Prompts with only one kind of feedback give no pair, and neither does an up- and a
   * down-vote on the same text (it teaches nothing). A pair is as old as its later record.
   */
  public static List<PreferencePair> unaryToPairs(
      List<UnaryFeedback> records, int maxPairsPerPrompt) {
    Map<List<ChatMessage>, List<UnaryFeedback>> byPrompt = new LinkedHashMap<>();
    for (UnaryFeedback record : records) {
      byPrompt.computeIfAbsent(record.getPrompt(), prompt -> new ArrayList<>()).add(record);
    }
    List<PreferencePair> pairs = new ArrayList<>();
    for (List<UnaryFeedback> group : byPrompt.values()) {
      List<UnaryFeedback> desirable = group.stream().filter(UnaryFeedback::getDesirable).toList();
      List<UnaryFeedback> undesirable = group.stream().filter(r -> !r.getDesirable()).toList();
      int made = 0;
      outer:
      for (UnaryFeedback good : desirable) {
        for (UnaryFeedback bad : undesirable) {
          if (maxPairsPerPrompt > 0 && made == maxPairsPerPrompt) {
            break outer;
          }
          if (good.getCompletion().strip().equals(bad.getCompletion().strip())) {
            continue;
          }
          pairs.add(paired(good, bad));
          made++;
        }
      }
    }
    return pairs;
  }

  private static PreferencePair paired(UnaryFeedback good, UnaryFeedback bad) {
    Instant later =
        good.getCreatedAt().isAfter(bad.getCreatedAt()) ? good.getCreatedAt() : bad.getCreatedAt();
    return PreferencePair.newBuilder()
        .setPairId(
            RecordIds.importedPair(good.getPrompt(), good.getCompletion(), bad.getCompletion()))
        .setPromptHash(good.getPromptHash())
        .setModelId(good.getModelId())
        .setPrompt(good.getPrompt())
        .setChosen(good.getCompletion())
        .setRejected(bad.getCompletion())
        .setSource(PairSource.IMPORT)
        .setChosenGenerationId(good.getGenerationId())
        .setRejectedGenerationId(bad.getGenerationId())
        .setChosenAdapterVersion(good.getAdapterVersion())
        .setRejectedAdapterVersion(bad.getAdapterVersion())
        .setUserId(Objects.equals(good.getUserId(), bad.getUserId()) ? good.getUserId() : null)
        .setWeight(1.0)
        .setCreatedAt(later)
        .build();
  }

  /**
   * A ranking of K answers (best first) gives its K(K-1)/2 pairs: answer i is preferred over every
   * answer j > i.
   */
  public static List<PreferencePair> rankingToPairs(
      ImportedRecords records, List<ChatMessage> prompt, List<String> answersBestFirst) {
    List<PreferencePair> pairs = new ArrayList<>();
    for (int better = 0; better < answersBestFirst.size(); better++) {
      for (int worse = better + 1; worse < answersBestFirst.size(); worse++) {
        pairs.add(records.pair(prompt, answersBestFirst.get(better), answersBestFirst.get(worse)));
      }
    }
    return pairs;
  }

  /**
   * Scored answers: every pair with different scores, the higher-scored one chosen; ties give no
   * pair.
   */
  public static List<PreferencePair> scoredToPairs(
      ImportedRecords records, List<ChatMessage> prompt, List<String> answers, double[] scores) {
    List<PreferencePair> pairs = new ArrayList<>();
    for (int i = 0; i < answers.size(); i++) {
      for (int j = i + 1; j < answers.size(); j++) {
        if (scores[i] == scores[j]) {
          continue;
        }
        int better = scores[i] > scores[j] ? i : j;
        int worse = better == i ? j : i;
        pairs.add(records.pair(prompt, answers.get(better), answers.get(worse)));
      }
    }
    return pairs;
  }
}
