package dev.feedloop.trainer.cli;

import dev.feedloop.synthetic.SyntheticChatCorpus;
import dev.feedloop.trainer.tiny.TinyDataWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "tiny-data",
    mixinStandardHelpOptions = true,
    description =
        "Generate the tiny model's synthetic chat corpus (answers vary in self-name, politeness, length) "
            + "and train its byte-level BPE tokenizer on it.")
final class TinyDataCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = {"-o", "--output"},
      required = true,
      description = "Directory for corpus.jsonl, tokenizer.json, tokenizer_config.json.")
  Path output;

  @Option(
      names = "--seed",
      description =
          "Corpus seed (default: SyntheticChatCorpus.DEFAULT_SEED; the shipped model's corpus comes from tiny-model --seed 7).")
  Long seed;

  @Option(
      names = "--conversations",
      defaultValue = "20000",
      description = "(default: ${DEFAULT-VALUE})")
  int conversations;

  @Option(
      names = "--vocab-size",
      defaultValue = "4096",
      description = "Target vocabulary size incl. special tokens (default: ${DEFAULT-VALUE}).")
  int vocabSize;

  @Override
  public Integer call() {
    long corpusSeed = seed == null ? SyntheticChatCorpus.DEFAULT_SEED : seed;
    TinyDataWriter.Written written =
        TinyDataWriter.write(output, corpusSeed, conversations, vocabSize);
    spec.commandLine()
        .getOut()
        .println(
            "wrote "
                + written.conversations()
                + " conversations to "
                + written.corpus()
                + " and a tokenizer of "
                + written.vocabularySize()
                + " tokens to "
                + written.tokenizerDirectory());
    return 0;
  }
}
