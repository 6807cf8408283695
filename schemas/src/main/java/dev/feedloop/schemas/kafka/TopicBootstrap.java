package dev.feedloop.schemas.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the loop's topics that are missing, on any cluster; leaves existing topics as they are
 * (an operator may have tuned them) and says where they differ from the catalog. Safe to run from
 * every component at every start, concurrently.
 */
public final class TopicBootstrap {

  private static final Logger log = LoggerFactory.getLogger(TopicBootstrap.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private TopicBootstrap() {}

  /** What happened to each topic. */
  public record Outcome(List<String> created, List<String> existing) {}

  /**
   * Creation returns once the controller committed the topic; brokers learn of it a moment later.
   * Components produce right after bootstrapping, so wait until every partition has a leader.
   */
  private static void awaitServed(Admin admin, List<String> topics)
      throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (true) {
      try {
        boolean allLed =
            admin
                .describeTopics(topics)
                .allTopicNames()
                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .values()
                .stream()
                .flatMap(description -> description.partitions().stream())
                .allMatch(partition -> partition.leader() != null && !partition.leader().isEmpty());
        if (allLed) {
          return;
        }
      } catch (ExecutionException notYetKnown) {
        // UnknownTopicOrPartition until the metadata reaches the broker
      }
      if (System.nanoTime() > deadline) {
        throw new TimeoutException(
            "topics " + topics + " got no leader within " + TIMEOUT.toSeconds() + " s");
      }
      Thread.sleep(50);
    }
  }

  public static Outcome ensureTopics(Admin admin, Collection<TopicSpec> specs) {
    try {
      Set<String> present =
          admin.listTopics().names().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      int brokers =
          admin.describeCluster().nodes().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).size();
      short replication = (short) Math.max(1, Math.min(3, brokers));

      List<NewTopic> missing = new ArrayList<>();
      List<String> existing = new ArrayList<>();
      for (TopicSpec spec : specs) {
        if (present.contains(spec.name())) {
          existing.add(spec.name());
        } else {
          missing.add(
              new NewTopic(spec.name(), spec.partitions(), replication).configs(spec.configs()));
        }
      }

      List<String> created = new ArrayList<>();
      CreateTopicsResult result = admin.createTopics(missing);
      for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Void>> entry :
          result.values().entrySet()) {
        try {
          entry.getValue().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
          created.add(entry.getKey());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
          existing.add(entry.getKey()); // another component created it a moment ago
        }
      }
      if (!created.isEmpty()) {
        awaitServed(admin, created);
        log.info("Created topics {} (replication factor {})", created, replication);
      }
      return new Outcome(List.copyOf(created), List.copyOf(existing));
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "Cannot create topics: " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "Cluster did not answer within " + TIMEOUT.toSeconds() + " s while creating topics", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while creating topics", e);
    }
  }
}
