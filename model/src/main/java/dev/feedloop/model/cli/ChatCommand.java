package dev.feedloop.model.cli;

import ai.djl.ndarray.types.DataType;
import dev.feedloop.model.Completion;
import dev.feedloop.model.LanguageModel;
import dev.feedloop.model.SamplingParams;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.ChatMessages;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "chat",
    mixinStandardHelpOptions = true,
    description =
        "Chat with a model directory, optionally with a PEFT LoRA adapter. Interactive unless --prompt is given.")
final class ChatCommand implements Callable<Integer> {

  @Mixin ModelOptions modelOptions;

  @Option(names = "--adapter", description = "PEFT LoRA adapter directory")
  Path adapter;

  @Option(names = "--prompt", description = "answer this one message and exit")
  String prompt;

  @Option(names = "--system", description = "system message")
  String system;

  @Option(
      names = "--temperature",
      defaultValue = "0.7",
      description = "0 = greedy (default ${DEFAULT-VALUE})")
  double temperature;

  @Option(names = "--top-p", defaultValue = "0.9")
  double topP;

  @Option(names = "--top-k", defaultValue = "0")
  int topK;

  @Option(names = "--max-new-tokens", defaultValue = "256")
  int maxNewTokens;

  @Option(names = "-n", defaultValue = "1", description = "candidates per message")
  int n;

  @Option(names = "--stop", split = ",", description = "stop strings")
  List<String> stop;

  @Override
  public Integer call() throws Exception {
    Path model = modelOptions.model();
    try (LanguageModel lm = LanguageModel.load(model, modelOptions.device(), DataType.FLOAT32);
        LoraAdapter lora =
            adapter == null
                ? null
                : LoraAdapter.load(
                    adapter, lm.model().config(), lm.model().manager(), DataType.FLOAT32)) {
      SamplingParams params =
          new SamplingParams(maxNewTokens, temperature, topP, topK, modelOptions.seed(), stop, n);
      List<ChatMessage> history = new ArrayList<>();
      if (system != null) {
        history.add(ChatMessages.system(system));
      }
      if (prompt != null) {
        history.add(ChatMessages.user(prompt));
        print(lm.chat(List.of(history), params, lora).get(0));
        return 0;
      }
      System.err.println(
          "model "
              + model
              + (adapter != null ? " + adapter " + adapter : "")
              + "; empty line or /exit quits, /reset forgets the conversation");
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      while (true) {
        System.out.print("> ");
        System.out.flush();
        String line = in.readLine();
        if (line == null || line.isBlank() || line.equals("/exit")) {
          return 0;
        }
        if (line.equals("/reset")) {
          history.removeIf(m -> !m.getRole().equals("system"));
          continue;
        }
        history.add(ChatMessages.user(line));
        List<Completion> answers = lm.chat(List.of(history), params, lora).get(0);
        print(answers);
        history.add(ChatMessages.assistant(answers.get(0).text()));
      }
    }
  }

  private static void print(List<Completion> answers) {
    for (int i = 0; i < answers.size(); i++) {
      Completion c = answers.get(i);
      String tag = answers.size() > 1 ? "[" + (i + 1) + "] " : "";
      System.out.println(tag + c.text());
      System.err.printf(
          "    (%d tokens, finish %s, log-prob %.3f)%n",
          c.tokens().length, c.finishReason(), c.totalLogProb());
    }
  }
}
