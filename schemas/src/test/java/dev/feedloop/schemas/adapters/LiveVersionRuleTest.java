package dev.feedloop.schemas.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.schemas.AdapterAction;
import dev.feedloop.schemas.AdapterCommand;
import dev.feedloop.schemas.adapters.LiveVersionRule.Decision;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class LiveVersionRuleTest {

  @Test
  void withNothingAnnouncedTheBaseModelIsLive() {
    Decision decision = LiveVersionRule.decide(List.of(), List.of(), Set.of());
    assertThat(decision.live()).isEqualTo(LiveVersionRule.BASE_MODEL);
    assertThat(decision.pinned()).isNull();
  }

  @Test
  void theNewestAcceptedVersionIsLiveWhateverTheAnnouncementOrder() {
    assertThat(LiveVersionRule.decide(List.of(3L, 1L, 2L), List.of(), Set.of()).live())
        .isEqualTo(3);
    assertThat(LiveVersionRule.decide(List.of(1L, 2L, 3L), List.of(), Set.of(3L)).live())
        .isEqualTo(2);
    assertThat(LiveVersionRule.decide(List.of(1L), List.of(), Set.of(1L)).live()).isZero();
  }

  @Test
  void pinWinsOverNewerVersionsUntilUnpinned() {
    List<AdapterCommand> commands = new ArrayList<>(List.of(pin(1)));
    Decision pinned = LiveVersionRule.decide(List.of(1L, 2L, 3L), commands, Set.of());
    assertThat(pinned.live()).isEqualTo(1);
    assertThat(pinned.pinned()).isEqualTo(1L);

    commands.add(unpin());
    Decision unpinned = LiveVersionRule.decide(List.of(1L, 2L, 3L), commands, Set.of());
    assertThat(unpinned.live()).isEqualTo(3);
    assertThat(unpinned.pinned()).isNull();
  }

  @Test
  void theBaseModelCanBePinned() {
    Decision decision = LiveVersionRule.decide(List.of(1L, 2L), List.of(pin(0)), Set.of());
    assertThat(decision.live()).isZero();
    assertThat(decision.pinned()).isEqualTo(0L);
  }

  @Test
  void aPinOfAnUnavailableVersionIsKeptButTheNewestAcceptedServes() {
    Decision notYetRead = LiveVersionRule.decide(List.of(1L, 2L), List.of(pin(5)), Set.of());
    assertThat(notYetRead.live()).isEqualTo(2);
    assertThat(notYetRead.pinned()).isEqualTo(5L);
    Decision readLater = LiveVersionRule.decide(List.of(1L, 2L, 5L, 6L), List.of(pin(5)), Set.of());
    assertThat(readLater.live()).isEqualTo(5);
    Decision refused = LiveVersionRule.decide(List.of(1L, 2L, 5L), List.of(pin(5)), Set.of(5L));
    assertThat(refused.live()).isEqualTo(2);
  }

  @Test
  void rollbackMarksTheVersionSoTheNewestRemainingIsLiveAndNewerVersionsStillWin() {
    List<AdapterCommand> commands = new ArrayList<>(List.of(rollback(3)));
    Decision once = LiveVersionRule.decide(List.of(1L, 2L, 3L), commands, Set.of());
    assertThat(once.live()).isEqualTo(2);
    assertThat(once.rolledBack()).containsExactly(3L);

    commands.add(rollback(2));
    assertThat(LiveVersionRule.decide(List.of(1L, 2L, 3L), commands, Set.of()).live()).isEqualTo(1);
    assertThat(LiveVersionRule.decide(List.of(1L, 2L, 3L, 4L), commands, Set.of()).live())
        .isEqualTo(4);
    commands.add(rollback(1));
    assertThat(LiveVersionRule.decide(List.of(1L, 2L, 3L), commands, Set.of()).live()).isZero();
  }

  @Test
  void aPinOfARolledBackVersionServesItAndTheMarkStays() {
    List<AdapterCommand> commands = List.of(rollback(3), pin(3));
    Decision decision = LiveVersionRule.decide(List.of(1L, 2L, 3L), commands, Set.of());
    assertThat(decision.live()).isEqualTo(3);
    assertThat(decision.isRolledBack(3)).isTrue();
    List<AdapterCommand> thenUnpinned = List.of(rollback(3), pin(3), unpin());
    assertThat(LiveVersionRule.decide(List.of(1L, 2L, 3L), thenUnpinned, Set.of()).live())
        .isEqualTo(2);
  }

  @Test
  void everyInterleavingOfAnnouncementsAndCommandsConverges() {
    List<Long> announced = List.of(1L, 2L, 3L, 4L, 5L);
    List<AdapterCommand> commands = List.of(pin(2), rollback(5), unpin(), pin(4), rollback(4));
    Decision expected = LiveVersionRule.decide(announced, commands, Set.of(3L));
    Random random = new Random(11);
    for (int run = 0; run < 200; run++) {
      // a replica that has read some announcements and a prefix of the commands, in any order,
      // then the rest: after reading everything it decides as every other replica does
      List<Long> shuffled = new ArrayList<>(announced);
      Collections.shuffle(shuffled, random);
      int seen = random.nextInt(announced.size() + 1);
      int commandsSeen = random.nextInt(commands.size() + 1);
      LiveVersionRule.decide(
          shuffled.subList(0, seen), commands.subList(0, commandsSeen), Set.of());
      assertThat(LiveVersionRule.decide(shuffled, commands, Set.of(3L))).isEqualTo(expected);
    }
    assertThat(expected.live()).isEqualTo(4); // pinned, though rolled back later: pin wins
    assertThat(expected.rolledBack()).containsExactly(4L, 5L);
  }

  private static AdapterCommand pin(long version) {
    return command(AdapterAction.PIN, version, null);
  }

  private static AdapterCommand unpin() {
    return command(AdapterAction.UNPIN, null, null);
  }

  private static AdapterCommand rollback(long from) {
    return command(AdapterAction.ROLLBACK, null, from);
  }

  private static AdapterCommand command(AdapterAction action, Long version, Long rolledBack) {
    return AdapterCommand.newBuilder()
        .setCommandId(UUID.randomUUID().toString())
        .setModelId("tiny-chat")
        .setAction(action)
        .setVersion(version)
        .setRolledBackVersion(rolledBack)
        .setOperator("test")
        .setIssuedAt(Instant.EPOCH)
        .build();
  }
}
