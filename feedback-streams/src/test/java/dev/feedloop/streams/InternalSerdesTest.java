package dev.feedloop.streams;

import static dev.feedloop.streams.Events.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.schemas.SampleEvents;
import dev.feedloop.streams.internal.Candidate;
import dev.feedloop.streams.internal.InternalSerdes;
import dev.feedloop.streams.internal.JoinedFeedback;
import dev.feedloop.streams.internal.Origin;
import dev.feedloop.streams.internal.VoteState;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class InternalSerdesTest {

  private static <T> T roundTrip(Serde<T> serde, T value) {
    return serde.deserializer().deserialize("t", serde.serializer().serialize("t", value));
  }

  private final Origin origin = new Origin("feedback", 2, 881);
  private final JoinedFeedback joined =
      new JoinedFeedback(
          Events.choice("f1", "g1", "g2", "ann", at(1)),
          origin,
          Events.generation("g1", "q", "a", at(0)),
          null);

  @Test
  void intermediateValuesSurviveTheirTopicsWithNullsIntact() {
    assertThat(roundTrip(InternalSerdes.joinedFeedback(), joined)).isEqualTo(joined);
    JoinedFeedback full = joined.withOther(Events.generation("g2", "q", "b", at(0)));
    assertThat(roundTrip(InternalSerdes.joinedFeedback(), full)).isEqualTo(full);
    VoteState state = new VoteState(full, 10, 20, true);
    assertThat(roundTrip(InternalSerdes.voteState(), state)).isEqualTo(state);
    Candidate unary = Candidate.unary(SampleEvents.unary(), joined.feedback(), origin);
    assertThat(roundTrip(InternalSerdes.candidate(), unary)).isEqualTo(unary);
    Candidate pair = Candidate.pair(SampleEvents.pair(), joined.feedback(), origin);
    assertThat(roundTrip(InternalSerdes.candidate(), pair)).isEqualTo(pair);
  }

  @Test
  void anUnknownFormatVersionIsRefusedNotMisread() {
    byte[] bytes = InternalSerdes.joinedFeedback().serializer().serialize("t", joined);
    bytes[0] = 9;

    assertThatThrownBy(() -> InternalSerdes.joinedFeedback().deserializer().deserialize("t", bytes))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("version 9");
  }
}
