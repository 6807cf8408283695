package dev.feedloop.model.text;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.feedloop.schemas.ChatMessage;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A Hugging Face chat template (Jinja) rendered with Jinjava, in the environment transformers uses:
 * trim_blocks and lstrip_blocks on, {@code messages}, {@code add_generation_prompt}, {@code
 * bos_token}, {@code eos_token} and a {@code raise_exception} function.
 */
public final class ChatTemplate {

  private static final ThreadLocal<String> RAISED = new ThreadLocal<>();

  private final String source;
  private final String bosToken;
  private final String eosToken;
  private final Jinjava jinjava;

  /** {@code not x is defined}: Jinja2 reads not (x is defined), Jinjava (not x) is defined. */
  private static final Pattern NOT_IS_TEST =
      Pattern.compile("\\bnot\\s+([A-Za-z_][\\w.]*)\\s+is\\s+(not\\s+)?([A-Za-z_]\\w*)");

  public ChatTemplate(String source, String bosToken, String eosToken) {
    this.source = NOT_IS_TEST.matcher(source).replaceAll("not ($1 is $2$3)");
    this.bosToken = bosToken == null ? "" : bosToken;
    this.eosToken = eosToken == null ? "" : eosToken;
    // Jinja2 semantics rather than Jinjava's historical ones: {{- and {#- trim too, filters bind
    // tighter than +, and whitespace control is parsed strictly.
    LegacyOverrides jinja2 =
        LegacyOverrides.newBuilder()
            .withUseTrimmingForNotesAndExpressions(true)
            .withParseWhitespaceControlStrictly(true)
            .withUseNaturalOperatorPrecedence(true)
            .withKeepNullableLoopValues(true)
            .build();
    this.jinjava =
        new Jinjava(
            JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withLegacyOverrides(jinja2)
                .build());
    jinjava
        .getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition(
                "", "raise_exception", ChatTemplate.class, "raiseException", String.class));
  }

  /**
   * Called by templates; Jinjava reports it as a generic error, so the message travels on the side.
   */
  public static String raiseException(String message) {
    RAISED.set(message);
    throw new IllegalStateException(message);
  }

  public String source() {
    return source;
  }

  public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
    return render(messages, addGenerationPrompt, Map.of());
  }

  /**
   * @param extra further template variables (e.g. {@code date_string} for Llama 3 templates)
   */
  public String render(
      List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, Object> extra) {
    List<Map<String, Object>> msgs = new ArrayList<>();
    for (ChatMessage m : messages) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("role", m.getRole());
      o.put("content", m.getContent());
      msgs.add(o);
    }
    Map<String, Object> ctx = new HashMap<>();
    ctx.put("messages", msgs);
    ctx.put("add_generation_prompt", addGenerationPrompt);
    ctx.put("bos_token", bosToken);
    ctx.put("eos_token", eosToken);
    if (source.contains("strftime_now")) {
      // Jinjava cannot expose a callable as a variable; Llama 3 templates fall back to date_string.
      ctx.put(
          "date_string",
          LocalDate.now().format(DateTimeFormatter.ofPattern("dd MMM yyyy", Locale.ENGLISH)));
    }
    ctx.putAll(extra);
    RAISED.remove();
    RenderResult result = jinjava.renderForResult(source, ctx);
    List<TemplateError> fatal =
        result.getErrors().stream()
            .filter(
                e -> e.getSeverity() == com.hubspot.jinjava.interpret.TemplateError.ErrorType.FATAL)
            .collect(Collectors.toList());
    if (!fatal.isEmpty()) {
      String raised = RAISED.get();
      RAISED.remove();
      throw new ChatTemplateException(
          raised != null
              ? "chat template raised: " + raised
              : "chat template failed: "
                  + fatal.stream()
                      .map(TemplateError::getMessage)
                      .collect(Collectors.joining("; ")));
    }
    return result.getOutput();
  }

  /** A template error, including one raised by the template itself (e.g. roles not alternating). */
  public static final class ChatTemplateException extends RuntimeException {
    public ChatTemplateException(String message) {
      super(message);
    }
  }

  /**
   * The {@code chat_template} field of a tokenizer_config.json: a string, or a list of named
   * templates of which "default" is used.
   */
  public static String templateFrom(JsonObject tokenizerConfig) {
    JsonElement t = tokenizerConfig.get("chat_template");
    if (t == null || t.isJsonNull()) {
      return null;
    }
    if (t.isJsonPrimitive()) {
      return t.getAsString();
    }
    for (JsonElement e : t.getAsJsonArray()) {
      JsonObject o = e.getAsJsonObject();
      if ("default".equals(o.get("name").getAsString())) {
        return o.get("template").getAsString();
      }
    }
    return null;
  }

  /** A special token in tokenizer_config.json is either a string or an AddedToken object. */
  public static String tokenFrom(JsonObject tokenizerConfig, String key) {
    JsonElement e = tokenizerConfig.get(key);
    if (e == null || e.isJsonNull()) {
      return null;
    }
    return e.isJsonPrimitive() ? e.getAsString() : e.getAsJsonObject().get("content").getAsString();
  }
}
