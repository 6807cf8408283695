package dev.feedloop.synthetic;

import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.ChatMessages;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The one rule that splits the question bank into questions users chat with and questions kept for
 * evaluation, so that the loop's measured satisfaction is never on a prompt that received feedback.
 * Both the simulated users and the evaluator use it.
 *
 * <p>Rule: within each category (in {@link QuestionBank} order), the questions are shuffled with
 * {@link #SPLIT_SEED} and the first {@value #EVALUATION_SHARE} of them, rounded up, are held out
 * for evaluation; the rest are chat questions. Per category, so both sides see every category
 * (identity questions teach the self-name). With the shipped bank that is 203 evaluation and 371
 * chat questions.
 */
public final class PromptSplit {
  public static final double EVALUATION_SHARE = 0.35;
  public static final long SPLIT_SEED = 20261202L;

  private static final PromptSplit CORPUS = new PromptSplit(QuestionBank.all());

  private final List<Question> evaluation;
  private final List<Question> chat;
  private final Set<String> evaluationPrompts;
  private final SyntheticChatCorpus chatCorpus;

  PromptSplit(List<Question> questions) {
    Map<String, List<Question>> byCategory = new TreeMap<>();
    questions.forEach(
        question ->
            byCategory.computeIfAbsent(question.category(), c -> new ArrayList<>()).add(question));
    Random random = new Random(SPLIT_SEED);
    List<Question> held = new ArrayList<>();
    for (List<Question> pool : byCategory.values()) {
      List<Question> shuffled = new ArrayList<>(pool);
      Collections.shuffle(shuffled, random);
      held.addAll(shuffled.subList(0, (int) Math.ceil(EVALUATION_SHARE * shuffled.size())));
    }
    // one fixed order over categories, so a prefix of any length mixes them
    Collections.shuffle(held, random);
    this.evaluation = List.copyOf(held);
    this.evaluationPrompts = held.stream().map(Question::prompt).collect(Collectors.toSet());
    this.chat = questions.stream().filter(q -> !evaluationPrompts.contains(q.prompt())).toList();
    this.chatCorpus = new SyntheticChatCorpus(chat);
  }

  /** The split of every {@link QuestionBank} question. */
  public static PromptSplit ofCorpus() {
    return CORPUS;
  }

  /** The questions held out for evaluation, in their fixed evaluation order. */
  public List<Question> evaluationQuestions() {
    return evaluation;
  }

  /** The questions users chat with, in {@link QuestionBank} order. */
  public List<Question> chatQuestions() {
    return chat;
  }

  /** True when {@code prompt} is an evaluation question: no user ever asks it. */
  public boolean isEvaluation(String prompt) {
    return evaluationPrompts.contains(prompt);
  }

  /**
   * The first {@code count} evaluation questions as single-turn prompts; the same count always
   * gives the same prompts.
   *
   * @throws IllegalArgumentException when more are asked for than are held out
   */
  public List<List<ChatMessage>> evaluationPrompts(int count) {
    if (count < 1 || count > evaluation.size()) {
      throw new IllegalArgumentException(
          "evaluation prompts must be between 1 and " + evaluation.size() + ", got " + count);
    }
    return evaluation.subList(0, count).stream()
        .map(question -> List.of(ChatMessages.user(question.prompt())))
        .toList();
  }

  /** A chat question: a category by the corpus's weights, then one of its chat questions. */
  public Question sampleChatQuestion(SplittableRandom random) {
    return chatCorpus.sampleQuestion(random);
  }
}
