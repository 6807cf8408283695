package dev.feedloop.serving.adapters;

import dev.feedloop.schemas.AdapterPublished;
import java.time.Instant;

/**
 * What a replica knows of one announced version.
 *
 * @param status live, available, refused or rolled_back
 * @param reason the refusal's code (e.g. checksum, missing-chunk), null unless refused
 * @param detail the refusal's message, null unless refused
 * @param wentLiveAt when the version last went live in this replica (its swap completed), null if
 *     it never did
 * @param firstLiveAfterAnnouncement when the version first went live here, if its announcement
 *     arrived while this replica followed (null for versions announced before it started, whose
 *     install at start says nothing of the way from the trainer): with the announcement's creation
 *     time it gives the publish-to-serving share of freshness
 */
public record AdapterVersionView(
    AdapterPublished announcement,
    String status,
    String reason,
    String detail,
    Instant wentLiveAt,
    Instant firstLiveAfterAnnouncement) {

  public static final String LIVE = "live";
  public static final String AVAILABLE = "available";
  public static final String REFUSED = "refused";
  public static final String ROLLED_BACK = "rolled_back";
}
