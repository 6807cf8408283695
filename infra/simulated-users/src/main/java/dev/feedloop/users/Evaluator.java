package dev.feedloop.users;

import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.synthetic.HiddenPreference;
import dev.feedloop.synthetic.PromptSplit;
import dev.feedloop.synthetic.StyleShares;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Measures the live model on the fixed evaluation prompts ({@link PromptSplit#evaluationPrompts},
 * which no simulated user ever asks) through serving's HTTP API, and scores the answers with the
 * judge: satisfaction = well formed AND preferred.
 *
 * <p>Its requests carry {@code user: "feedloop-eval"} ({@link #EVALUATION_USER}) and it never sends
 * feedback (it has no way to): the marker lets anyone reading the generations topic tell evaluation
 * answers from users' ones.
 */
public final class Evaluator {
  /** The OpenAI {@code user} of every evaluation request. */
  public static final String EVALUATION_USER = "feedloop-eval";

  /** What chat apps commonly send, and what the users send: the headline's sampling settings. */
  public static final double TEMPERATURE = 0.7;

  public static final double TOP_P = 1.0;

  private final ServingClient client;
  private final int concurrency;
  private final int maxTokens;

  /**
   * @param concurrency evaluation requests in flight at most
   * @param maxTokens completion tokens per answer at most
   */
  public Evaluator(ServingClient client, int concurrency, int maxTokens) {
    this.client = client;
    this.concurrency = concurrency;
    this.maxTokens = maxTokens;
  }

  /**
   * Answers the first {@code prompts} evaluation prompts at temperature 0.7, top_p 1.0 and, when
   * {@code greedy}, again at temperature 0; scores both against {@code preference}.
   */
  public EvaluationResult evaluate(HiddenPreference preference, int prompts, boolean greedy)
      throws InterruptedException {
    List<String> questions =
        PromptSplit.ofCorpus().evaluationPrompts(prompts).stream()
            .map(messages -> messages.get(0))
            .map(ChatMessage::getContent)
            .toList();
    Answers sampled = answer(questions, TEMPERATURE, TOP_P);
    Answers greedyAnswers = greedy ? answer(questions, 0.0, TOP_P) : null;
    Map<Long, Integer> byVersion = new TreeMap<>();
    sampled.versions.forEach(v -> byVersion.merge(v == null ? 0L : v, 1, Integer::sum));
    Long mostly =
        byVersion.entrySet().stream()
            .max(Map.Entry.comparingByValue())
            .map(Map.Entry::getKey)
            .filter(v -> v != 0L)
            .orElse(null);
    long style = sampled.answers.stream().filter(preference::satisfiedBy).count();
    return new EvaluationResult(
        PreferenceSpec.format(preference),
        sampled.answers.size(),
        mostly,
        Map.copyOf(byVersion),
        StyleShares.measure(sampled.prompts, sampled.answers, preference),
        sampled.answers.isEmpty() ? 0 : (double) style / sampled.answers.size(),
        greedyAnswers == null
            ? null
            : StyleShares.measure(greedyAnswers.prompts, greedyAnswers.answers, preference),
        questions.size() - sampled.answers.size(),
        sampled.asList());
  }

  private record Answers(List<String> prompts, List<String> answers, List<Long> versions) {
    List<EvaluationResult.Answer> asList() {
      List<EvaluationResult.Answer> list = new ArrayList<>(answers.size());
      for (int i = 0; i < answers.size(); i++) {
        list.add(new EvaluationResult.Answer(prompts.get(i), answers.get(i), versions.get(i)));
      }
      return List.copyOf(list);
    }
  }

  private Answers answer(List<String> questions, double temperature, double topP)
      throws InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    try {
      List<Future<ServingClient.ChatReply>> replies = new ArrayList<>();
      for (String question : questions) {
        replies.add(
            pool.submit(
                () -> client.chat(question, 1, temperature, topP, maxTokens, EVALUATION_USER)));
      }
      Answers answers = new Answers(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
      for (int i = 0; i < questions.size(); i++) {
        ServingClient.ChatReply reply;
        try {
          reply = replies.get(i).get();
        } catch (ExecutionException e) {
          if (e.getCause() instanceof IOException) {
            continue; // counted as a failure
          }
          throw new IllegalStateException(e.getCause());
        }
        if (reply.status() == 200 && !reply.candidates().isEmpty()) {
          Candidate candidate = reply.candidates().get(0);
          answers.prompts.add(questions.get(i));
          answers.answers.add(candidate.text());
          answers.versions.add(candidate.adapterVersion());
        }
      }
      return answers;
    } finally {
      pool.shutdownNow();
    }
  }
}
