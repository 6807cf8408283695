package dev.feedloop.schemas.adapters;

import dev.feedloop.schemas.AdapterAction;
import dev.feedloop.schemas.AdapterCommand;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which adapter version a replica serves, from what every replica reads alike: the announced
 * versions (adapters topic), the operators' commands in their topic order (adapter-commands, one
 * partition) and the versions this replica refused (verification depends only on the bytes and the
 * base model, so replicas of one base model refuse the same ones).
 *
 * <ul>
 *   <li>The commands are replayed in order: PIN v sets the pin, UNPIN clears it, ROLLBACK marks its
 *       {@code rolled_back_version} as rolled back (for good: a later pin may still serve it).
 *   <li>Pin wins: a pinned version that is announced (or the base model, 0) and not refused is
 *       live.
 *   <li>Otherwise the newest (highest) announced version that is neither rolled back nor refused is
 *       live; the base model (0) when there is none.
 * </ul>
 *
 * <p>The result depends on the set of announcements, not on when they were read relative to the
 * commands, so replicas converge whatever the interleaving of the two topics.
 */
public final class LiveVersionRule {

  /** The base model: no adapter. Announced versions start at 1. */
  public static final long BASE_MODEL = 0;

  private LiveVersionRule() {}

  /**
   * @param live the version to serve ({@link #BASE_MODEL} for none)
   * @param pinned the version the last PIN named, null when none is in force (it may be
   *     unavailable: not announced yet or refused, and then it is not live)
   * @param rolledBack versions rolled back by a ROLLBACK, ascending
   */
  public record Decision(long live, Long pinned, Set<Long> rolledBack) {
    public Decision {
      rolledBack = Collections.unmodifiableSet(new TreeSet<>(rolledBack));
    }

    public boolean isRolledBack(long version) {
      return rolledBack.contains(version);
    }
  }

  /**
   * @param announced versions announced for this model
   * @param commands this model's commands in topic order
   * @param refused versions this replica refused
   */
  public static Decision decide(
      Collection<Long> announced, List<AdapterCommand> commands, Set<Long> refused) {
    Long pinned = null;
    Set<Long> rolledBack = new TreeSet<>();
    for (AdapterCommand command : commands) {
      AdapterAction action = command.getAction();
      switch (action) {
        case PIN -> pinned = command.getVersion();
        case UNPIN -> pinned = null;
        case ROLLBACK -> {
          if (command.getRolledBackVersion() != null) {
            rolledBack.add(command.getRolledBackVersion());
          }
        }
      }
    }
    if (pinned != null
        && !refused.contains(pinned)
        && (pinned == BASE_MODEL || announced.contains(pinned))) {
      return new Decision(pinned, pinned, rolledBack);
    }
    long live = BASE_MODEL;
    for (long version : announced) {
      if (version > live && !rolledBack.contains(version) && !refused.contains(version)) {
        live = version;
      }
    }
    return new Decision(live, pinned, rolledBack);
  }
}
