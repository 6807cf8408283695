package dev.feedloop.synthetic;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether a generated answer is well formed: a sequence of the sentences the corpus writes for that
 * question (polite opener or closer, a self-introduction, the question's core answer, its
 * elaborations), separated by single spaces, with the core answer present. A tiny model that
 * babbles, mixes up questions or stops mid-sentence fails it.
 */
public final class AnswerGrammar {
  /** One question's sentences: its core answer variants and every piece, longest first. */
  private record Sentences(List<String> cores, List<String> pieces) {}

  // built once per question: users and the evaluator check every answer they read
  private final Map<String, Sentences> sentencesByPrompt = new HashMap<>();

  /** A grammar for these questions; a prompt asked twice keeps its first question. */
  public AnswerGrammar(List<Question> questions) {
    questions.forEach(
        question ->
            sentencesByPrompt.computeIfAbsent(question.prompt(), prompt -> sentences(question)));
  }

  private static Sentences sentences(Question question) {
    List<String> cores = coreVariants(question);
    List<String> pieces = new ArrayList<>(cores);
    pieces.addAll(StyleJudge.POLITE_PHRASES);
    pieces.addAll(question.elaborations());
    for (String name : allNames()) {
      pieces.add(name + " here.");
      pieces.add("This is " + name + ".");
      pieces.add("I'm " + name + ".");
    }
    pieces.sort(Comparator.comparingInt(String::length).reversed()); // longest match first
    return new Sentences(List.copyOf(cores), List.copyOf(pieces));
  }

  /** The grammar of every {@link QuestionBank} question. */
  public static AnswerGrammar ofCorpus() {
    return new AnswerGrammar(QuestionBank.all());
  }

  /**
   * True when {@code answer} is a well-formed answer to the corpus question {@code prompt}.
   *
   * @throws IllegalArgumentException when {@code prompt} is not one of the grammar's questions
   */
  public boolean wellFormed(String prompt, String answer) {
    Sentences sentences = sentencesByPrompt.get(prompt);
    if (sentences == null) {
      throw new IllegalArgumentException("not a corpus question: " + prompt);
    }
    List<String> cores = sentences.cores();
    List<String> pieces = sentences.pieces();
    String rest = answer.strip();
    boolean sawCore = false;
    while (!rest.isEmpty()) {
      String matched = null;
      for (String piece : pieces) {
        if (rest.startsWith(piece)) {
          matched = piece;
          break;
        }
      }
      if (matched == null) {
        return false;
      }
      sawCore |= cores.contains(matched);
      rest = rest.substring(matched.length());
      if (!rest.isEmpty()) {
        if (rest.charAt(0) != ' ') {
          return false;
        }
        rest = rest.substring(1);
      }
    }
    return sawCore;
  }

  private static List<String> coreVariants(Question question) {
    if (!question.coreAnswer().contains(Question.SELF)) {
      return List.of(question.coreAnswer());
    }
    List<String> variants = new ArrayList<>();
    variants.add(
        question.coreAnswer().replace(Question.SELF, "I am an assistant that answers questions."));
    for (String name : allNames()) {
      variants.add(
          question
              .coreAnswer()
              .replace(Question.SELF, "I am " + name + ", an assistant that answers questions."));
    }
    return variants;
  }

  private static List<String> allNames() {
    List<String> names = new ArrayList<>(SelfName.OTHER_NAMES);
    names.add(0, SelfName.ATHENE_NAME);
    return names;
  }
}
