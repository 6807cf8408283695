package dev.feedloop.trainer.tiny;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.synthetic.ChatExample;
import dev.feedloop.synthetic.SyntheticChatCorpus;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Writes the tiny model's training data: corpus.jsonl (one conversation per line with its style
 * labels) and the tokenizer (tokenizer.json, tokenizer_config.json) trained on that corpus.
 */
public final class TinyDataWriter {
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  /** What was written. */
  public record Written(
      Path corpus, Path tokenizerDirectory, int conversations, int vocabularySize) {}

  private TinyDataWriter() {}

  public static Written write(Path directory, long seed, int conversations, int vocabSize) {
    List<ChatExample> corpus = new SyntheticChatCorpus().generate(seed, conversations);
    Path corpusFile = directory.resolve("corpus.jsonl");
    try {
      Files.createDirectories(directory);
      try (BufferedWriter writer = Files.newBufferedWriter(corpusFile, StandardCharsets.UTF_8)) {
        for (ChatExample example : corpus) {
          writer.write(GSON.toJson(toJson(example)));
          writer.newLine();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + corpusFile, e);
    }
    List<String> rendered =
        corpus.stream().map(example -> ChatMl.render(example.messages(), false)).toList();
    int vocabulary = TinyTokenizerWriter.trainAndWrite(rendered, vocabSize, directory);
    return new Written(corpusFile, directory, conversations, vocabulary);
  }

  static JsonObject toJson(ChatExample example) {
    JsonObject json = new JsonObject();
    JsonArray messages = new JsonArray();
    for (ChatMessage message : example.messages()) {
      JsonObject item = new JsonObject();
      item.addProperty("role", message.getRole());
      item.addProperty("content", message.getContent());
      messages.add(item);
    }
    json.add("messages", messages);
    json.addProperty("category", example.category());
    JsonObject style = new JsonObject();
    style.addProperty("name", example.style().name().name().toLowerCase(Locale.ROOT));
    style.addProperty("polite", example.style().polite());
    style.addProperty("brief", example.style().brief());
    json.add("style", style);
    return json;
  }
}
