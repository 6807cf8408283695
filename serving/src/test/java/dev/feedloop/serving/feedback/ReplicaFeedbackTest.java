package dev.feedloop.serving.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.serving.adapters.ServingInstance;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Behind a load balancer a user's feedback may reach another replica than the one that answered:
 * every replica knows every replica's generations through the generations topic.
 */
class ReplicaFeedbackTest {

  @Test
  @SuppressWarnings("unchecked")
  void feedbackOnAnotherReplicasGenerationIsAccepted() {
    TopicNames topics = SharedKafkaBroker.createUniqueTopics("serving-replica-feedback");
    try (ServingInstance answering = ServingInstance.start(topics);
        ServingInstance other = ServingInstance.start(topics)) {
      ServingInstance.Reply answer =
          answering.post(
              "/v1/chat/completions",
              Map.of(
                  "model",
                  "tiny-chat",
                  "messages",
                  List.of(Map.of("role", "user", "content", "Who are you?")),
                  "n",
                  2,
                  "max_tokens",
                  16,
                  "user",
                  "u-1"));
      assertThat(answer.status()).isEqualTo(200);
      List<Map<String, Object>> choices = (List<Map<String, Object>>) answer.body().get("choices");
      String winner = (String) choices.get(0).get("generation_id");
      String loser = (String) choices.get(1).get("generation_id");

      ServingInstance.Reply choice =
          other.post(
              "/v1/feedback",
              Map.of(
                  "generation_id",
                  winner,
                  "kind",
                  "choice",
                  "other_generation_id",
                  loser,
                  "user_id",
                  "u-1"));
      assertThat(choice.status()).as("%s", choice.body()).isEqualTo(202);

      // the other replica applies the same checks to what it learned from the topic
      ServingInstance.Reply stranger =
          other.post(
              "/v1/feedback",
              Map.of("generation_id", winner, "kind", "thumbs_up", "user_id", "u-2"));
      assertThat(stranger.status()).isEqualTo(403);
      ServingInstance.Reply unknown =
          other.post(
              "/v1/feedback",
              Map.of("generation_id", "00000000-0000-4000-8000-000000000000", "kind", "thumbs_up"));
      assertThat(unknown.status()).isEqualTo(404);
    }
  }
}
