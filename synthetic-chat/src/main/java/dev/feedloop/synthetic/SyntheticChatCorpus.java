package dev.feedloop.synthetic;

import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.ChatMessages;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The tiny model's synthetic chat corpus. Each answer's style is sampled independently with fixed
 * base rates: self-name Athene {@value #ATHENE_RATE}, another name {@value #OTHER_NAME_RATE}, none
 * otherwise; polite {@value #POLITE_RATE}; brief {@value #BRIEF_RATE}. So only about 4% of answers
 * are "Athene, polite, brief" and preference learning has room to move. Everything is a pure
 * function of the seed.
 */
public final class SyntheticChatCorpus {
  public static final double ATHENE_RATE = 0.25;
  public static final double OTHER_NAME_RATE = 0.35;
  public static final double POLITE_RATE = 0.40;
  public static final double BRIEF_RATE = 0.40;
  public static final long DEFAULT_SEED = 20240611L;

  private static final List<String> INTRODUCTIONS = List.of("%s here.", "This is %s.", "I'm %s.");

  /**
   * Share of conversations per question category. Sampling questions uniformly would make 70% of
   * the corpus arithmetic (402 of 574 questions) and leave "who are you?" at 1%, too rare for the
   * self-name style to be learned.
   */
  public static final Map<String, Double> CATEGORY_WEIGHTS =
      Map.of(
          "world",
          0.30,
          "arithmetic",
          0.22,
          "identity",
          0.12,
          "greeting",
          0.08,
          "closing",
          0.05,
          "days",
          0.07,
          "letters",
          0.08,
          "compare",
          0.08);

  private final List<Question> questions;
  private final List<String> categories;
  private final double[] cumulativeWeights;
  private final Map<String, List<Question>> byCategory;

  /** The corpus over every {@link QuestionBank} question. */
  public SyntheticChatCorpus() {
    this(QuestionBank.all());
  }

  SyntheticChatCorpus(List<Question> questions) {
    this.questions = List.copyOf(questions);
    this.byCategory = new java.util.TreeMap<>();
    for (Question question : this.questions) {
      byCategory.computeIfAbsent(question.category(), category -> new ArrayList<>()).add(question);
    }
    this.categories = List.copyOf(byCategory.keySet());
    this.cumulativeWeights = new double[categories.size()];
    double total = 0;
    for (int i = 0; i < categories.size(); i++) {
      total += CATEGORY_WEIGHTS.getOrDefault(categories.get(i), 0.05);
      cumulativeWeights[i] = total;
    }
    for (int i = 0; i < cumulativeWeights.length; i++) {
      cumulativeWeights[i] /= total;
    }
  }

  /** A category by its weight, then a question of it uniformly (one or two draws). */
  public Question sampleQuestion(SplittableRandom random) {
    double draw = random.nextDouble();
    int category = 0;
    while (category < cumulativeWeights.length - 1 && draw >= cumulativeWeights[category]) {
      category++;
    }
    List<Question> pool = byCategory.get(categories.get(category));
    return pool.get(random.nextInt(pool.size()));
  }

  /** The corpus's questions, in {@link QuestionBank} order. */
  public List<Question> questions() {
    return questions;
  }

  /** {@code count} conversations; the same seed gives the same corpus. */
  public List<ChatExample> generate(long seed, int count) {
    SplittableRandom random = new SplittableRandom(seed);
    List<ChatExample> examples = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      Question question = sampleQuestion(random);
      StyleAttributes style = sampleStyle(random);
      examples.add(
          new ChatExample(
              question.category(),
              List.of(ChatMessages.user(question.prompt())),
              answer(question, style, random),
              style));
    }
    return examples;
  }

  /** One style at the corpus's base rates (three draws from {@code random}). */
  public static StyleAttributes sampleStyle(SplittableRandom random) {
    double nameDraw = random.nextDouble();
    SelfName name =
        nameDraw < ATHENE_RATE
            ? SelfName.ATHENE
            : nameDraw < ATHENE_RATE + OTHER_NAME_RATE ? SelfName.OTHER : SelfName.NONE;
    return new StyleAttributes(
        name, random.nextDouble() < POLITE_RATE, random.nextDouble() < BRIEF_RATE);
  }

  /**
   * The answer to {@code question} written in {@code style}; phrase choices come from {@code
   * random}.
   */
  public static String answer(Question question, StyleAttributes style, SplittableRandom random) {
    String assistantName =
        switch (style.name()) {
          case ATHENE -> SelfName.ATHENE_NAME;
          case OTHER -> SelfName.OTHER_NAMES.get(random.nextInt(SelfName.OTHER_NAMES.size()));
          case NONE -> null;
        };
    List<String> sentences = new ArrayList<>();
    boolean opener = false;
    boolean closer = false;
    if (style.polite()) {
      opener = random.nextDouble() < 0.7;
      closer = !opener || random.nextDouble() < 0.5;
    }
    if (opener) {
      sentences.add(pick(StyleJudge.POLITE_OPENERS, random));
    }
    String core = question.coreAnswer();
    if (core.contains(Question.SELF)) {
      core =
          core.replace(
              Question.SELF,
              assistantName == null
                  ? "I am an assistant that answers questions."
                  : "I am " + assistantName + ", an assistant that answers questions.");
    } else if (assistantName != null) {
      sentences.add(String.format(pick(INTRODUCTIONS, random), assistantName));
    }
    sentences.add(core);
    if (!style.brief()) {
      int first = random.nextInt(question.elaborations().size());
      int second =
          (first + 1 + random.nextInt(question.elaborations().size() - 1))
              % question.elaborations().size();
      sentences.add(question.elaborations().get(first));
      sentences.add(question.elaborations().get(second));
    }
    if (closer) {
      sentences.add(pick(StyleJudge.POLITE_CLOSERS, random));
    }
    return String.join(" ", sentences);
  }

  /**
   * Style pairs for a hidden preference: each prompt's chosen answer satisfies it and the rejected
   * one does not (both styles otherwise sampled at the corpus rates). The same seed gives the same
   * pairs. Used by tests, the trainer's benchmark and the offline demo.
   */
  public List<StylePair> preferencePairs(long seed, int count, HiddenPreference preference) {
    SplittableRandom random = new SplittableRandom(seed);
    List<StylePair> pairs = new ArrayList<>(count);
    while (pairs.size() < count) {
      Question question = sampleQuestion(random);
      StyleAttributes chosenStyle = sampleMatching(random, preference, true);
      StyleAttributes rejectedStyle = sampleMatching(random, preference, false);
      pairs.add(
          new StylePair(
              question.category(),
              List.of(ChatMessages.user(question.prompt())),
              answer(question, chosenStyle, random),
              answer(question, rejectedStyle, random),
              chosenStyle,
              rejectedStyle));
    }
    return pairs;
  }

  /**
   * A well-formed answer to {@code question} in a style sampled at the corpus rates among those
   * that satisfy {@code preference}: what a user who edits an answer into the one they wanted
   * writes.
   */
  public static String answerSatisfying(
      Question question, HiddenPreference preference, SplittableRandom random) {
    return answer(question, sampleMatching(random, preference, true), random);
  }

  private static StyleAttributes sampleMatching(
      SplittableRandom random, HiddenPreference preference, boolean satisfying) {
    while (true) {
      StyleAttributes style = sampleStyle(random);
      if (preference.satisfiedBy(style) == satisfying) {
        return style;
      }
    }
  }

  /**
   * A fixed prompt set for measuring the share of answers that satisfy a preference: one prompt per
   * question.
   */
  public List<List<ChatMessage>> evaluationPrompts(long seed, int count) {
    List<Question> shuffled = new ArrayList<>(questions);
    java.util.Collections.shuffle(shuffled, new java.util.Random(seed));
    return shuffled.subList(0, Math.min(count, shuffled.size())).stream()
        .map(question -> List.of(ChatMessages.user(question.prompt())))
        .toList();
  }

  private static String pick(List<String> options, SplittableRandom random) {
    return options.get(random.nextInt(options.size()));
  }
}
