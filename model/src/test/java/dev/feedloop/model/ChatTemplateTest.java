package dev.feedloop.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.model.text.ChatTemplate;
import dev.feedloop.schemas.ChatMessages;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Templates as they appear in tokenizer_config.json (JSON-decoded: Jinja string literals keep their
 * \n escapes).
 */
class ChatTemplateTest {

  static final String QWEN25 =
      """
            {%- if tools %}
                {{- '<|im_start|>system\\n' }}
                {%- if messages[0]['role'] == 'system' %}
                    {{- messages[0]['content'] }}
                {%- else %}
                    {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
                {%- endif %}
                {{- "\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>" }}
                {%- for tool in tools %}
                    {{- "\\n" }}
                    {{- tool | tojson }}
                {%- endfor %}
                {{- "\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\"name\\": <function-name>, \\"arguments\\": <args-json-object>}\\n</tool_call><|im_end|>\\n" }}
            {%- else %}
                {%- if messages[0]['role'] == 'system' %}
                    {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}
                {%- else %}
                    {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}
                {%- endif %}
            {%- endif %}
            {%- for message in messages %}
                {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
                    {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
                {%- elif message.role == "assistant" %}
                    {{- '<|im_start|>' + message.role }}
                    {%- if message.content %}
                        {{- '\\n' + message.content }}
                    {%- endif %}
                    {%- for tool_call in message.tool_calls %}
                        {%- if tool_call.function is defined %}
                            {%- set tool_call = tool_call.function %}
                        {%- endif %}
                        {{- '\\n<tool_call>\\n{"name": "' }}
                        {{- tool_call.name }}
                        {{- '", "arguments": ' }}
                        {{- tool_call.arguments | tojson }}
                        {{- '}\\n</tool_call>' }}
                    {%- endfor %}
                    {{- '<|im_end|>\\n' }}
                {%- elif message.role == "tool" %}
                    {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
                        {{- '<|im_start|>user' }}
                    {%- endif %}
                    {{- '\\n<tool_response>\\n' }}
                    {{- message.content }}
                    {{- '\\n</tool_response>' }}
                    {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
                        {{- '<|im_end|>\\n' }}
                    {%- endif %}
                {%- endif %}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|im_start|>assistant\\n' }}
            {%- endif %}
            """;

  static final String LLAMA32 =
      """
            {{- bos_token }}
            {%- if custom_tools is defined %}
                {%- set tools = custom_tools %}
            {%- endif %}
            {%- if not tools_in_user_message is defined %}
                {%- set tools_in_user_message = true %}
            {%- endif %}
            {%- if not date_string is defined %}
                {%- if strftime_now is defined %}
                    {%- set date_string = strftime_now("%d %b %Y") %}
                {%- else %}
                    {%- set date_string = "26 Jul 2024" %}
                {%- endif %}
            {%- endif %}
            {%- if not tools is defined %}
                {%- set tools = none %}
            {%- endif %}

            {#- This block extracts the system message, so we can slot it into the right place. #}
            {%- if messages[0]['role'] == 'system' %}
                {%- set system_message = messages[0]['content']|trim %}
                {%- set messages = messages[1:] %}
            {%- else %}
                {%- set system_message = "" %}
            {%- endif %}

            {#- System message #}
            {{- "<|start_header_id|>system<|end_header_id|>\\n\\n" }}
            {%- if tools is not none %}
                {{- "Environment: ipython\\n" }}
            {%- endif %}
            {{- "Cutting Knowledge Date: December 2023\\n" }}
            {{- "Today Date: " + date_string + "\\n\\n" }}
            {{- system_message }}
            {{- "<|eot_id|>" }}

            {%- for message in messages %}
                {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}
                    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}
                {%- endif %}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
            {%- endif %}
            """;

  static final String SMOLLM2 =
      "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
          + "{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\\n' }}"
          + "{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
          + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

  @Test
  void rendersQwen25Template() {
    ChatTemplate t = new ChatTemplate(QWEN25, null, "<|im_end|>");
    assertThat(
            t.render(
                List.of(ChatMessages.system("You are Athene."), ChatMessages.user("Hello!")), true))
        .isEqualTo(
            "<|im_start|>system\nYou are Athene.<|im_end|>\n"
                + "<|im_start|>user\nHello!<|im_end|>\n"
                + "<|im_start|>assistant\n");
    assertThat(
            t.render(
                List.of(
                    ChatMessages.user("Hi"),
                    ChatMessages.assistant("Hello."),
                    ChatMessages.user("Bye")),
                false))
        .isEqualTo(
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\nHello.<|im_end|>\n"
                + "<|im_start|>user\nBye<|im_end|>\n");
  }

  @Test
  void rendersLlama32Template() {
    ChatTemplate t = new ChatTemplate(LLAMA32, "<|begin_of_text|>", "<|eot_id|>");
    String out =
        t.render(
            List.of(ChatMessages.system("  Be brief. "), ChatMessages.user("Hi there ")),
            true,
            Map.of("date_string", "26 Jul 2024"));
    assertThat(out)
        .isEqualTo(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
                + "Be brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
    // without a date the template gets today's, as transformers' strftime_now would give
    assertThat(t.render(List.of(ChatMessages.user("x")), false))
        .contains("Today Date: ")
        .doesNotContain("Today Date: 26 Jul 2024");
  }

  @Test
  void rendersSmolLm2Template() {
    ChatTemplate t = new ChatTemplate(SMOLLM2, null, "<|im_end|>");
    assertThat(t.render(List.of(ChatMessages.user("What is 2+2?")), true))
        .isEqualTo(
            "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n");
  }

  @Test
  void raiseExceptionBecomesAnErrorWithTheTemplatesMessage() {
    ChatTemplate t =
        new ChatTemplate(
            "{% if messages[0]['role'] != 'user' %}"
                + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
                + "{% endif %}{{ messages[0]['content'] }}",
            null, null);
    assertThat(t.render(List.of(ChatMessages.user("ok")), false)).isEqualTo("ok");
    assertThatThrownBy(() -> t.render(List.of(ChatMessages.assistant("no")), false))
        .isInstanceOf(ChatTemplate.ChatTemplateException.class)
        .hasMessageContaining("Conversation roles must alternate");
  }
}
