package dev.feedloop.model;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.model.text.ChatTemplate;
import dev.feedloop.model.text.TextTokenizer;
import dev.feedloop.schemas.ChatMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A whole Hugging Face model directory: the network, its tokenizer, chat template and stop tokens.
 * What serving and the trainer load.
 */
public final class LanguageModel implements AutoCloseable {

  private final Path directory;
  private final CausalLM model;
  private final TextTokenizer tokenizer;
  private final ChatTemplate template;
  private final Set<Long> eosTokenIds;

  private LanguageModel(
      Path directory,
      CausalLM model,
      TextTokenizer tokenizer,
      ChatTemplate template,
      Set<Long> eosTokenIds) {
    this.directory = directory;
    this.model = model;
    this.tokenizer = tokenizer;
    this.template = template;
    this.eosTokenIds = Set.copyOf(eosTokenIds);
  }

  public static LanguageModel load(Path dir) throws IOException {
    return load(dir, Device.cpu(), DataType.FLOAT32);
  }

  public static LanguageModel load(Path dir, Device device, DataType dtype) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new ModelLoadException(dir + ": not a directory");
    }
    JsonObject tokenizerConfig = readJson(dir.resolve("tokenizer_config.json"), false);
    String templateSource = ChatTemplate.templateFrom(tokenizerConfig);
    Path jinja = dir.resolve("chat_template.jinja"); // newer transformers write the template here
    if (Files.exists(jinja)) {
      templateSource = Files.readString(jinja);
    }
    String bos = ChatTemplate.tokenFrom(tokenizerConfig, "bos_token");
    String eos = ChatTemplate.tokenFrom(tokenizerConfig, "eos_token");

    TextTokenizer tokenizer = TextTokenizer.load(dir.resolve("tokenizer.json"));
    CausalLM model;
    try {
      model = CausalLM.load(dir, device, dtype);
    } catch (IOException | RuntimeException e) {
      tokenizer.close();
      throw e;
    }
    // stop on any end token named anywhere: generation_config.json, config.json,
    // tokenizer_config.json
    Set<Long> stops = new LinkedHashSet<>();
    JsonObject generationConfig = readJson(dir.resolve("generation_config.json"), false);
    ModelConfig.intOrList(generationConfig.get("eos_token_id")).forEach(i -> stops.add((long) i));
    model.config().eosTokenIds().forEach(i -> stops.add((long) i));
    Long eosId = tokenizer.tokenId(eos);
    if (eosId != null) {
      stops.add(eosId);
    }
    ChatTemplate template =
        templateSource == null ? null : new ChatTemplate(templateSource, bos, eos);
    return new LanguageModel(dir, model, tokenizer, template, stops);
  }

  static JsonObject readJson(Path file, boolean required) throws IOException {
    if (!Files.exists(file)) {
      if (required) {
        throw new ModelLoadException(file + ": file not found");
      }
      return new JsonObject();
    }
    try {
      return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    } catch (RuntimeException e) {
      throw new ModelLoadException(file + ": not a JSON object: " + e.getMessage());
    }
  }

  public Path directory() {
    return directory;
  }

  public CausalLM model() {
    return model;
  }

  public TextTokenizer tokenizer() {
    return tokenizer;
  }

  public ChatTemplate template() {
    return template;
  }

  public Set<Long> eosTokenIds() {
    return eosTokenIds;
  }

  /**
   * The rendered conversation, ending with the assistant header when {@code addGenerationPrompt}.
   */
  public String renderChat(List<ChatMessage> messages, boolean addGenerationPrompt) {
    if (template == null) {
      throw new ModelLoadException(
          directory.resolve("tokenizer_config.json")
              + ": no chat_template (and no chat_template.jinja); this is not a chat model");
    }
    return template.render(messages, addGenerationPrompt);
  }

  public long[] encodeChat(List<ChatMessage> messages, boolean addGenerationPrompt) {
    return tokenizer.encode(renderChat(messages, addGenerationPrompt), false);
  }

  public Generator generator() {
    return new Generator(model, eosTokenIds, ids -> tokenizer.decode(ids, true));
  }

  /** Answers each conversation with {@code params.n()} candidates. */
  public List<List<Completion>> chat(
      List<List<ChatMessage>> conversations, SamplingParams params, LoraAdapter adapter) {
    List<long[]> prompts = new ArrayList<>();
    for (List<ChatMessage> c : conversations) {
      prompts.add(encodeChat(c, true));
    }
    return generator().generate(prompts, params, adapter);
  }

  /**
   * Tokens of a prompt (rendered with the generation prompt) and of its completion as the model
   * would emit it.
   */
  public CausalLM.Sequence tokenize(List<ChatMessage> prompt, String completion) {
    long[] p = encodeChat(prompt, true);
    long[] c = tokenizer.encode(completion, false);
    return new CausalLM.Sequence(p, c);
  }

  @Override
  public void close() {
    model.close();
    tokenizer.close();
  }
}
