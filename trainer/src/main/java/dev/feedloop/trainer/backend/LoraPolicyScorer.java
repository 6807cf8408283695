package dev.feedloop.trainer.backend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.feedloop.model.CausalLM;
import dev.feedloop.model.LanguageModel;
import dev.feedloop.model.NoGrad;
import dev.feedloop.model.lora.LoraAdapter;
import dev.feedloop.model.lora.LoraParameter;
import dev.feedloop.schemas.ContentHash;
import dev.feedloop.trainer.data.ChatTokenizer;
import dev.feedloop.trainer.run.PolicyScorer;
import dev.feedloop.trainer.run.SequenceScores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@link PolicyScorer} over one copy of the base weights: the policy is base + the trainable LoRA
 * adapter, the reference is the base model with adapters disabled, or a frozen earlier adapter
 * ({@code reference=previous}).
 */
public final class LoraPolicyScorer implements PolicyScorer {
  private final CausalLM model;
  private final LoraAdapter policy;
  private final LoraAdapter reference;
  private final ChatTokenizer tokenizer;
  private final String referenceFingerprint;
  private final boolean dropout;

  /**
   * @param tokenizer the chat tokenizer (null where records come tokenized, e.g. benchmarks)
   * @param policy the adapter being trained (its parameters must require gradients to be trained)
   * @param reference null for the base model, or a frozen adapter
   * @param referenceFingerprint identifies the reference policy and tokenization in the reference
   *     log-prob cache
   */
  public LoraPolicyScorer(
      CausalLM model,
      ChatTokenizer tokenizer,
      LoraAdapter policy,
      LoraAdapter reference,
      String referenceFingerprint) {
    this.model = model;
    this.policy = policy;
    this.reference = reference;
    this.tokenizer = tokenizer;
    this.dropout = policy.config().dropout() > 0;
    this.referenceFingerprint = referenceFingerprint;
  }

  /**
   * A scorer over a loaded model directory; the cache fingerprint covers config, weights,
   * tokenizer, template and dtype, plus {@code referenceSource} (the frozen adapter's weight bytes)
   * when the reference is an adapter.
   */
  public static LoraPolicyScorer forModel(
      LanguageModel model, LoraAdapter policy, LoraAdapter reference, byte[] referenceSource) {
    return new LoraPolicyScorer(
        model.model(),
        new ModelChatTokenizer(model),
        policy,
        reference,
        referenceFingerprint(model, reference == null ? new byte[0] : referenceSource));
  }

  /**
   * The reference log-prob cache fingerprint of a model: config, every weight file, tokenizer,
   * template and dtype, plus {@code referenceSource} (empty for the base model as reference). Reads
   * every weight file: compute it once per model.
   */
  public static String referenceFingerprint(LanguageModel model, byte[] referenceSource) {
    ContentHash fingerprint =
        ContentHash.builder().text(ContentHash.ofFile(model.directory().resolve("config.json")));
    // every weight file: a single model.safetensors or all shards (the index alone names tensors,
    // not values)
    for (Path weights : weightFiles(model.directory())) {
      fingerprint.text(ContentHash.ofFile(weights));
    }
    return fingerprint
        .text(new ModelChatTokenizer(model).fingerprint())
        .text(model.model().dtype().toString())
        .bytes(referenceSource)
        .hex();
  }

  @Override
  public SequenceScores score(
      NDManager manager,
      List<int[]> prompts,
      List<int[]> completions,
      boolean adaptersEnabled,
      boolean training) {
    List<CausalLM.Sequence> batch = new ArrayList<>(prompts.size());
    for (int i = 0; i < prompts.size(); i++) {
      batch.add(
          new CausalLM.Sequence(
              ModelChatTokenizer.toLongs(prompts.get(i)),
              ModelChatTokenizer.toLongs(completions.get(i))));
    }
    if (adaptersEnabled) {
      return scores(model.logProbs(manager, batch, policy, dropout && training));
    }
    try (NoGrad ignored = NoGrad.enter()) {
      return scores(model.logProbs(manager, batch, reference, false));
    }
  }

  private static List<Path> weightFiles(Path directory) {
    try (Stream<Path> files = Files.list(directory)) {
      return files
          .filter(f -> f.getFileName().toString().endsWith(".safetensors"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + directory, e);
    }
  }

  private static SequenceScores scores(CausalLM.LogProbs logProbs) {
    NDArray tokens = logProbs.mask().sum(new int[] {1});
    return new SequenceScores(logProbs.sum(), tokens, logProbs.meanLogit());
  }

  @Override
  public List<NDArray> trainableParameters() {
    return policy.parameters().stream().map(LoraParameter::array).toList();
  }

  @Override
  public ChatTokenizer tokenizer() {
    return tokenizer;
  }

  @Override
  public String referenceFingerprint() {
    return referenceFingerprint;
  }

  public LoraAdapter policy() {
    return policy;
  }
}
