package dev.feedloop.serving.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.feedloop.schemas.AdapterPublished;
import dev.feedloop.serving.adapters.AdapterState;
import dev.feedloop.serving.adapters.AdapterVersionView;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * GET /v1/adapters: the live version (0: the base model), the pinned version (null when none), when
 * the live version went live here, and every announced version with its metrics, parent, creation
 * time, status here and when it last went live here.
 *
 * <p>{@code created_at} is in epoch seconds (as OpenAI's {@code created}); {@code live_since} and
 * {@code went_live_at} are epoch milliseconds, fine enough for a swap's share of freshness.
 */
@Serdeable
@JsonInclude(JsonInclude.Include.ALWAYS)
public record AdapterList(
    String object,
    String model,
    @JsonProperty("live_version") long liveVersion,
    @JsonProperty("pinned_version") Long pinnedVersion,
    @JsonProperty("live_since") Long liveSince,
    boolean ready,
    List<Version> data) {

  /**
   * @param status live, available, refused or rolled_back
   * @param reason why it was refused (checksum, shapes, missing-chunk, ...), else null
   * @param wentLiveAt when the version last went live in this replica (epoch ms), null if never
   */
  @Serdeable
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record Version(
      long version,
      @JsonProperty("parent_version") Long parentVersion,
      @JsonProperty("created_at") long createdAt,
      @JsonProperty("run_id") String runId,
      String status,
      String reason,
      String detail,
      String checksum,
      @JsonProperty("size_bytes") Long sizeBytes,
      int rank,
      double alpha,
      @JsonProperty("target_modules") List<String> targetModules,
      Map<String, Double> metrics,
      @JsonProperty("went_live_at") Long wentLiveAt) {}

  public static AdapterList of(String model, AdapterState state) {
    return new AdapterList(
        "list",
        model,
        state.live(),
        state.decision().pinned(),
        millis(state.liveSince()),
        state.ready(),
        state.history().stream().map(AdapterList::version).toList());
  }

  private static Version version(AdapterVersionView view) {
    AdapterPublished a = view.announcement();
    return new Version(
        a.getVersion(),
        a.getParentVersion(),
        a.getCreatedAt().getEpochSecond(),
        a.getRunId(),
        view.status(),
        view.reason(),
        view.detail(),
        a.getChecksum(),
        a.getWeights() == null ? null : a.getWeights().getSizeBytes(),
        a.getLora().getRank(),
        a.getLora().getAlpha(),
        List.copyOf(a.getLora().getTargetModules()),
        Map.copyOf(a.getMetrics()),
        millis(view.wentLiveAt()));
  }

  private static Long millis(Instant time) {
    return time == null ? null : time.toEpochMilli();
  }
}
