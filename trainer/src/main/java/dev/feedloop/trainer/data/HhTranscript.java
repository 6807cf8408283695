package dev.feedloop.trainer.data;

import dev.feedloop.schemas.ChatMessage;
import dev.feedloop.schemas.ChatMessages;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses Anthropic HH-RLHF transcripts ("\n\nHuman: ...\n\nAssistant: ...") into chat messages. */
final class HhTranscript {
  private static final Pattern TURN = Pattern.compile("(?:^|\\n\\n)(Human|Assistant):[ ]?");

  private HhTranscript() {}

  static boolean looksLikeTranscript(String text) {
    return text.startsWith("\n\nHuman:") || text.startsWith("Human:");
  }

  static List<ChatMessage> parse(String transcript) {
    Matcher matcher = TURN.matcher(transcript);
    List<ChatMessage> messages = new ArrayList<>();
    String role = null;
    int contentStart = -1;
    while (matcher.find()) {
      if (role == null
          && matcher.start() != 0
          && !transcript.substring(0, matcher.start()).isBlank()) {
        throw new MalformedRecordException("text before the first Human: turn");
      }
      if (role != null) {
        messages.add(
            ChatMessages.of(role, transcript.substring(contentStart, matcher.start()).strip()));
      }
      role = matcher.group(1).equals("Human") ? "user" : "assistant";
      contentStart = matcher.end();
    }
    if (role == null) {
      throw new MalformedRecordException("no Human:/Assistant: turns in the transcript");
    }
    messages.add(ChatMessages.of(role, transcript.substring(contentStart).strip()));
    return messages;
  }
}
