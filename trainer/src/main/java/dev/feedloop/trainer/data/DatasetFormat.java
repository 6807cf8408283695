package dev.feedloop.trainer.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Locale;
import java.util.Optional;

/** The preference data formats the importer reads. */
public enum DatasetFormat {
  /**
   * This project's own JSONL ({@link CanonicalJsonl}): {"kind":"pair"|"unary", "prompt":[messages],
   * ...} plus the Avro record's fields by their schema names.
   */
  CANONICAL,
  /**
   * TRL standard: {"prompt": str, "chosen": str, "rejected": str}; without "prompt" the shared
   * prefix is the prompt.
   */
  TRL_STANDARD,
  /**
   * TRL conversational: message lists; an explicit "prompt" list, or implicit (the shared prefix of
   * chosen/rejected).
   */
  TRL_CONVERSATIONAL,
  /** Anthropic HH-RLHF: {"chosen": "\n\nHuman: ...\n\nAssistant: ...", "rejected": ...}. */
  HH_RLHF,
  /**
   * UltraFeedback binarized: conversational chosen/rejected plus score_chosen / score_rejected (the
   * scores only tell the format apart: the pair already says which answer won).
   */
  ULTRAFEEDBACK,
  /** Unpaired KTO: {"prompt", "completion", "label": bool}, strings or message lists. */
  KTO_UNPAIRED,
  /**
   * OpenAI preference fine-tuning: {"input":{"messages":[...]}, "preferred_output":[...],
   * "non_preferred_output":[...]}.
   */
  OPENAI_PREFERENCE,
  /**
   * K ranked answers: {"prompt", "completions": [best first] } or with "scores"; becomes K(K-1)/2
   * pairs.
   */
  RANKED;

  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static DatasetFormat parse(String name) {
    return valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
  }

  /** Recognises a format from one record's keys and value types; empty when nothing fits. */
  public static Optional<DatasetFormat> detect(JsonObject record) {
    if (record.has("kind") && record.has("prompt")) {
      return Optional.of(CANONICAL);
    }
    if (record.has("input") && record.has("preferred_output")) {
      return Optional.of(OPENAI_PREFERENCE);
    }
    if (record.has("completion") && record.has("label")) {
      return Optional.of(KTO_UNPAIRED);
    }
    if (record.has("prompt") && (record.has("completions") || record.has("responses"))) {
      return Optional.of(RANKED);
    }
    if (record.has("chosen") && record.has("rejected")) {
      JsonElement chosen = record.get("chosen");
      if (record.has("score_chosen") || record.has("score_rejected")) {
        return Optional.of(ULTRAFEEDBACK);
      }
      if (chosen.isJsonArray()) {
        return Optional.of(TRL_CONVERSATIONAL);
      }
      if (chosen.isJsonPrimitive()) {
        if (!record.has("prompt") && HhTranscript.looksLikeTranscript(chosen.getAsString())) {
          return Optional.of(HH_RLHF);
        }
        return Optional.of(TRL_STANDARD);
      }
    }
    return Optional.empty();
  }
}
