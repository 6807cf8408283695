package dev.feedloop.model;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.model.text.ChatTemplate;
import dev.feedloop.model.text.TextTokenizer;
import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.ChatMessages;
import dev.feedloop.schemas.ContentHash;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A whole Hugging Face model directory: the network, its tokenizer, chat template and stop tokens.
 * What serving and the trainer load.
 *
 * <p>It owns the one tokenization of a chat completion ({@link #completionTokens}): the ids the
 * trainer scores, the ids serving's logged log-prob is the score of ({@link #scoreCompletion}).
 */
public final class LanguageModel implements AutoCloseable {

  /**
   * Names the completion rule of {@link #completionTokens} inside {@link
   * #tokenizationFingerprint()}; change it whenever that rule changes, so cached scores of the old
   * rule are not reused.
   */
  private static final String COMPLETION_RULE =
      "completion = render(prompt + answer) - render(prompt, generation prompt),"
          + " cut after the first stop token, else + end-of-turn token;"
          + " raw: prompt = encode(text), completion = encode(text + answer) - encode(text), same end";

  private final Path directory;
  private final CausalLM model;
  private final TextTokenizer tokenizer;
  private final ChatTemplate template;
  private final List<Long> stopTokenIds;
  private final Set<Long> stopTokenSet;
  private final String tokenizationFingerprint;
  private final String baseModelFingerprint;

  private LanguageModel(
      Path directory,
      CausalLM model,
      TextTokenizer tokenizer,
      ChatTemplate template,
      List<Long> stopTokenIds) {
    this.directory = directory;
    this.model = model;
    this.tokenizer = tokenizer;
    this.template = template;
    this.stopTokenIds = List.copyOf(stopTokenIds);
    this.stopTokenSet = Set.copyOf(stopTokenIds); // membership only: never iterated
    this.tokenizationFingerprint = tokenizationFingerprint(directory, this.stopTokenIds);
    this.baseModelFingerprint = baseModelFingerprint(directory, tokenizationFingerprint);
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
    JsonObject generationConfig = readJson(dir.resolve("generation_config.json"), false);
    List<Long> stops =
        stopTokens(
            tokenizer.tokenId(eos),
            ModelConfig.intOrList(generationConfig.get("eos_token_id")),
            model.config().eosTokenIds());
    ChatTemplate template =
        templateSource == null ? null : new ChatTemplate(templateSource, bos, eos);
    return new LanguageModel(dir, model, tokenizer, template, stops);
  }

  /**
   * Generation stops on any end token named anywhere, in a fixed order whose first element is the
   * end-of-turn token: the tokenizer's {@code eos_token} (the token chat templates write after a
   * turn), else the first {@code eos_token_id} of generation_config.json, else the first of
   * config.json. Then the rest of generation_config.json's list and config.json's, in file order.
   * The order is part of the contract: the end-of-turn token is what {@link #completionTokens}
   * appends when a template writes none, so it must not depend on hashing.
   *
   * @param tokenizerEos id of tokenizer_config.json's eos_token, null when absent or not one token
   */
  static List<Long> stopTokens(
      Long tokenizerEos, List<Integer> generationConfigEos, List<Integer> configEos) {
    Set<Long> stops = new LinkedHashSet<>();
    if (tokenizerEos != null) {
      stops.add(tokenizerEos);
    }
    generationConfigEos.forEach(i -> stops.add((long) i));
    configEos.forEach(i -> stops.add((long) i));
    return List.copyOf(stops);
  }

  /**
   * Content hash of everything {@link #promptTokens} and {@link #completionTokens} depend on: the
   * rule itself, tokenizer.json, tokenizer_config.json (template, special tokens),
   * chat_template.jinja and the resolved stop tokens in order.
   */
  private static String tokenizationFingerprint(Path dir, List<Long> stops) {
    ContentHash hash = ContentHash.builder().text(COMPLETION_RULE);
    for (String file : List.of("tokenizer.json", "tokenizer_config.json", "chat_template.jinja")) {
      Path path = dir.resolve(file);
      hash.text(file).text(Files.exists(path) ? ContentHash.ofFile(path) : "");
    }
    return hash.text(stops.toString()).hex();
  }

  /**
   * Content hash of config.json's bytes and the {@linkplain #tokenizationFingerprint()
   * tokenization}: what an adapter announcement's {@code base_model} names, so that an adapter is
   * only served on the base model it was trained on. The weights are not hashed (that would read
   * gigabytes at every start): a checkpoint with the same config and tokenizer but other weights is
   * not told apart.
   */
  private static String baseModelFingerprint(Path dir, String tokenization) {
    Path config = dir.resolve("config.json");
    return ContentHash.builder()
        .text("config.json")
        .text(Files.exists(config) ? ContentHash.ofFile(config) : "")
        .text(tokenization)
        .hex();
  }

  /**
   * Identifies the base model for adapters (config.json and the tokenization, see {@link
   * #baseModelFingerprint(Path, String)}): the trainer writes it into each adapter announcement,
   * serving refuses an adapter whose fingerprint differs from its own.
   */
  public String baseModelFingerprint() {
    return baseModelFingerprint;
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

  /**
   * Every token that ends a generation, the {@linkplain #endOfTurnTokenId() end-of-turn token}
   * first, in the order of {@link #stopTokens}.
   */
  public List<Long> stopTokenIds() {
    return stopTokenIds;
  }

  /**
   * The token that ends an assistant turn (first of {@link #stopTokenIds()}), appended to a
   * completion whose template writes no end token.
   *
   * @throws ModelLoadException when the directory names no end token at all
   */
  public long endOfTurnTokenId() {
    if (stopTokenIds.isEmpty()) {
      throw new ModelLoadException(
          directory
              + ": no end-of-turn token (eos_token in tokenizer_config.json, eos_token_id in"
              + " generation_config.json or config.json)");
    }
    return stopTokenIds.get(0);
  }

  /**
   * Identifies the tokenization of prompts and completions (rule, tokenizer, template, stop
   * tokens): scores cached under one fingerprint were computed on the same token ids.
   */
  public String tokenizationFingerprint() {
    return tokenizationFingerprint;
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
    return new Generator(model, stopTokenSet, ids -> tokenizer.decode(ids, true));
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

  /** A prompt's ids: the conversation rendered with the generation prompt (assistant header). */
  public long[] promptTokens(List<ChatMessage> prompt) {
    return encodeChat(prompt, true);
  }

  /**
   * A completion's ids, the one rule shared by training, reference scoring and serving's logged
   * log-prob: what the chat template renders for the prompt plus the assistant answer, minus the
   * {@linkplain #promptTokens prompt's ids}, cut right after the first stop token. Generation stops
   * there, so the policy must learn to emit it, and whatever a template writes after it (ChatML's
   * trailing newline) is never generated. A template that writes no end token gets the {@linkplain
   * #endOfTurnTokenId() end-of-turn token} appended. Where the tokenizer merges across the
   * prompt/answer boundary (the full rendering does not start with the prompt's ids), the answer is
   * tokenized on its own.
   */
  public long[] completionTokens(List<ChatMessage> prompt, String completion) {
    return completionTokens(prompt, promptTokens(prompt), completion);
  }

  /** {@link #completionTokens(List, String)} for a caller that holds the prompt's ids already. */
  public long[] completionTokens(List<ChatMessage> prompt, long[] promptIds, String completion) {
    List<ChatMessage> conversation = new ArrayList<>(prompt);
    conversation.add(ChatMessages.assistant(completion));
    long[] full = encodeChat(conversation, false);
    return endedAtFirstStop(answerAfter(full, promptIds, completion));
  }

  /**
   * A plain-text prompt's ids, for data that is not a conversation (a TRL "standard" record with a
   * string prompt, trained with the raw prompt format): the tokenizer's encoding of the text as it
   * is, with whatever special tokens its post-processor adds (a Llama tokenizer's BOS), and no chat
   * template. TRL tokenizes non-conversational prompts the same way.
   */
  public long[] rawPromptTokens(String prompt) {
    return tokenizer.encode(prompt, true);
  }

  /**
   * The ids of {@code completion} continuing the plain-text {@code prompt}, as TRL tokenizes
   * non-conversational data: the encoding of prompt + completion minus the {@linkplain
   * #rawPromptTokens prompt's ids} (the answer encoded on its own where the tokenizer merges across
   * the boundary), then ended as {@link #completionTokens} ends an answer: cut right after the
   * first stop token, else followed by the {@linkplain #endOfTurnTokenId() end-of-turn token} (TRL
   * appends the tokenizer's eos_token, which is the end-of-turn token whenever the tokenizer names
   * one).
   */
  public long[] rawCompletionTokens(String prompt, String completion) {
    long[] full = tokenizer.encode(prompt + completion, true);
    return endedAtFirstStop(answerAfter(full, rawPromptTokens(prompt), completion));
  }

  /**
   * The ids of {@code full} after {@code promptIds}; the answer encoded on its own where {@code
   * full} does not start with them (the tokenizer merged across the boundary).
   */
  private long[] answerAfter(long[] full, long[] promptIds, String completion) {
    if (full.length > promptIds.length
        && Arrays.equals(full, 0, promptIds.length, promptIds, 0, promptIds.length)) {
      return Arrays.copyOfRange(full, promptIds.length, full.length);
    }
    return tokenizer.encode(completion, false);
  }

  /** The answer cut right after its first stop token, or with the end-of-turn token appended. */
  private long[] endedAtFirstStop(long[] answer) {
    for (int i = 0; i < answer.length; i++) {
      if (stopTokenSet.contains(answer[i])) {
        return Arrays.copyOf(answer, i + 1);
      }
    }
    long[] withEnd = Arrays.copyOf(answer, answer.length + 1);
    withEnd[answer.length] = endOfTurnTokenId();
    return withEnd;
  }

  /** {@link #promptTokens} and {@link #completionTokens}, ready for {@link CausalLM#score}. */
  public CausalLM.Sequence tokenize(List<ChatMessage> prompt, String completion) {
    long[] promptIds = promptTokens(prompt);
    return new CausalLM.Sequence(promptIds, completionTokens(prompt, promptIds, completion));
  }

  /**
   * log p(completion | prompt) under the base model plus {@code adapter} (null: the base model
   * alone), summed over the {@linkplain #completionTokens completion's ids}: the sequence log-prob
   * the trainer computes for a record with this prompt and completion text.
   */
  public double scoreCompletion(List<ChatMessage> prompt, String completion, LoraAdapter adapter) {
    return model.score(List.of(tokenize(prompt, completion)), adapter).get(0).sum();
  }

  /**
   * The log-prob serving logs for a completion it generated with {@code adapter}: {@link
   * #scoreCompletion} of its text, so the trainer later computes the same number from the logged
   * record. When generation's ids are the rule's ids for its text (it stopped on the end-of-turn
   * token and sampled the canonical tokenization of its text) that is generation's own {@link
   * Completion#totalLogProb()}, and nothing is computed again; otherwise (length limit, stop
   * string, another stop token, a non-canonical split of the text) the text is scored once more.
   */
  public double scoreGenerated(
      List<ChatMessage> prompt, Completion generated, LoraAdapter adapter) {
    return scoreGenerated(prompt, promptTokens(prompt), generated, adapter);
  }

  /**
   * {@link #scoreGenerated(List, Completion, LoraAdapter)} for a caller that holds the prompt's ids
   * already (serving generated from them): the prompt is neither rendered nor tokenized again.
   */
  public double scoreGenerated(
      List<ChatMessage> prompt, long[] promptIds, Completion generated, LoraAdapter adapter) {
    if (generated.text() == null) {
      throw new IllegalArgumentException("a completion generated without a decoder has no text");
    }
    long[] completionIds = completionTokens(prompt, promptIds, generated.text());
    if (Arrays.equals(generated.tokens(), completionIds)) {
      return generated.totalLogProb();
    }
    return model
        .score(List.of(new CausalLM.Sequence(promptIds, completionIds)), adapter)
        .get(0)
        .sum();
  }

  @Override
  public void close() {
    model.close();
    tokenizer.close();
  }
}
