package dev.feedloop.serving.adapters;

import dev.feedloop.schemas.AdapterCommand;
import dev.feedloop.schemas.adapters.LiveVersionRule;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One consistent view of the follower's knowledge, for the API and the operator actions.
 *
 * @param live the version requests get now (0: the base model)
 * @param liveSince when {@code live} went live in this replica (its swap completed; the replica's
 *     start for the base model)
 * @param decision what the live-version rule says should be live
 * @param ready whether both topics were read up to their end as of start and the decided version is
 *     installed
 * @param history every announced version, ascending
 * @param announced the announced versions
 * @param commands this model's commands in topic order
 * @param refused the versions refused here
 */
public record AdapterState(
    long live,
    Instant liveSince,
    LiveVersionRule.Decision decision,
    boolean ready,
    List<AdapterVersionView> history,
    Set<Long> announced,
    List<AdapterCommand> commands,
    Map<Long, String> refused) {}
