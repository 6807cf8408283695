package dev.feedloop.trainer.cli;

import dev.feedloop.model.LanguageModel;
import dev.feedloop.model.SamplingParams;
import dev.feedloop.synthetic.HiddenPreference;
import dev.feedloop.synthetic.SyntheticChatCorpus;
import dev.feedloop.trainer.tiny.StyleSurvey;
import dev.feedloop.trainer.tiny.TinyModelTrainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "tiny-model",
    mixinStandardHelpOptions = true,
    description =
        "Train the tiny chat model from scratch (corpus, tokenizer, SFT on assistant tokens) into a Hugging Face "
            + "model directory, then measure the style shares of its sampled answers.")
final class TinyModelCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = {"-o", "--output"},
      required = true,
      description = "Model directory to write, e.g. models/tiny-chat.")
  Path output;

  @Option(
      names = "--seed",
      defaultValue = "7",
      description =
          "Seeds corpus, tokenizer, initialisation and data order (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--steps", description = "Optimizer steps (default: the shipped recipe's).")
  Integer steps;

  @Option(
      names = "--survey-prompts",
      defaultValue = "200",
      description = "Prompts for the style survey, 0 = skip (default: ${DEFAULT-VALUE}).")
  int surveyPrompts;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    TinyModelTrainer.Recipe recipe = TinyModelTrainer.Recipe.shipped().withSeed(seed);
    if (steps != null) {
      recipe = recipe.withSteps(steps);
    }
    out.println("recipe " + recipe);
    out.flush();
    TinyModelTrainer.Result result =
        TinyModelTrainer.train(
            recipe,
            output,
            line -> {
              out.println(line);
              out.flush();
            });
    out.printf(
        "wrote %s: %d parameters, vocabulary %d, final loss (mean of the last 50 steps) %.4f, %.0f s%n",
        result.directory(),
        result.parameters(),
        result.vocabulary(),
        result.finalLoss(),
        result.seconds());
    if (surveyPrompts > 0) {
      try (LanguageModel lm = LanguageModel.load(output)) {
        var prompts = new SyntheticChatCorpus().evaluationPrompts(seed, surveyPrompts);
        out.println(
            "sampled (temperature 1, seed "
                + seed
                + "): "
                + StyleSurvey.survey(
                    lm,
                    null,
                    prompts,
                    SamplingParams.sample(96, 1.0, 1.0, seed),
                    HiddenPreference.demo()));
        out.println(
            "greedy: "
                + StyleSurvey.survey(
                    lm, null, prompts, SamplingParams.greedy(96), HiddenPreference.demo()));
      }
    }
    return 0;
  }
}
