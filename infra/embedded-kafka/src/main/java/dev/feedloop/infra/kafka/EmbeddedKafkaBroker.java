package dev.feedloop.infra.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka cluster (combined broker and KRaft controller) running inside this JVM
 * from Apache Kafka's own jars: no ZooKeeper, no Docker. Data lives in a directory of the caller's
 * choice, so the broker can be stopped and started again on the same data with the same ports, as a
 * production broker restarts.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
  private static final String HOST = "127.0.0.1";

  /**
   * @param dataDirectory log and metadata directory; formatted on first start, reused after
   * @param port client port, 0 for a free one
   * @param controllerPort KRaft controller port, 0 for a free one
   * @param overrides broker properties that win over the single-node defaults
   */
  public record Settings(
      Path dataDirectory, int port, int controllerPort, Map<String, String> overrides) {
    public Settings {
      Objects.requireNonNull(dataDirectory, "dataDirectory");
      overrides = Map.copyOf(overrides);
    }

    public static Settings inDirectory(Path dataDirectory) {
      return new Settings(dataDirectory, 0, 0, Map.of());
    }

    public Settings withPort(int port) {
      return new Settings(dataDirectory, port, controllerPort, overrides);
    }
  }

  private final Settings settings;
  private final KafkaRaftServer server;

  private EmbeddedKafkaBroker(Settings settings, KafkaRaftServer server) {
    this.settings = settings;
    this.server = server;
  }

  /**
   * Formats the directory if it is new (a restart keeps its cluster id and data), starts the broker
   * and waits until it serves clients.
   */
  public static EmbeddedKafkaBroker start(Settings requested) {
    Settings settings =
        new Settings(
            requested.dataDirectory().toAbsolutePath(),
            requested.port() == 0 ? freePort() : requested.port(),
            requested.controllerPort() == 0 ? freePort() : requested.controllerPort(),
            requested.overrides());
    try {
      Files.createDirectories(settings.dataDirectory());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot create Kafka data directory " + settings.dataDirectory(), e);
    }
    Map<String, String> properties = brokerProperties(settings);
    KafkaConfig config = KafkaConfig.fromProps(toProperties(properties));
    if (!Files.exists(settings.dataDirectory().resolve("meta.properties"))) {
      format(config, settings.dataDirectory());
    }

    long started = System.nanoTime();
    KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
    server.startup();
    EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(settings, server);
    broker.awaitReady();
    log.info(
        "Embedded Kafka broker ready at {} (data {}) in {} ms",
        broker.bootstrapServers(),
        settings.dataDirectory(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    return broker;
  }

  public static EmbeddedKafkaBroker start(Path dataDirectory) {
    return start(Settings.inDirectory(dataDirectory));
  }

  /** Stops this broker and starts a new one on the same data directory and ports. */
  public EmbeddedKafkaBroker restart() {
    stop();
    return start(settings);
  }

  public String bootstrapServers() {
    return HOST + ":" + settings.port();
  }

  public Settings settings() {
    return settings;
  }

  /** Orderly shutdown: flushes logs and leaves the data directory ready for a restart. */
  public void stop() {
    server.shutdown();
    server.awaitShutdown();
  }

  @Override
  public void close() {
    stop();
  }

  static Map<String, String> brokerProperties(Settings settings) {
    Map<String, String> p = new HashMap<>();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@" + HOST + ":" + settings.controllerPort());
    p.put(
        "listeners",
        "PLAINTEXT://"
            + HOST
            + ":"
            + settings.port()
            + ",CONTROLLER://"
            + HOST
            + ":"
            + settings.controllerPort());
    p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + settings.port());
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("log.dirs", settings.dataDirectory().toString());
    // one node: every internal topic must live with a single replica
    p.put("offsets.topic.replication.factor", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    // 50 partitions per internal topic is for big clusters; a handful starts much faster
    p.put("offsets.topic.num.partitions", "5");
    p.put("transaction.state.log.num.partitions", "5");
    p.put("group.initial.rebalance.delay.ms", "0");
    // the cleaner's default 128 MB dedupe buffer dominates the heap of a small broker
    p.put("log.cleaner.dedupe.buffer.size", "2097152");
    // topics come from the catalog (TopicBootstrap), never from a typo in a client
    p.put("auto.create.topics.enable", "false");
    p.put("num.partitions", "1");
    p.putAll(settings.overrides());
    return p;
  }

  private static void format(KafkaConfig config, Path dataDirectory) {
    try {
      new Formatter()
          .setPrintStream(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
          .setNodeId(config.nodeId())
          .setClusterId(Uuid.randomUuid().toString())
          .setDirectories(List.of(dataDirectory.toString()))
          .setMetadataLogDirectory(dataDirectory.toString())
          .setControllerListenerName("CONTROLLER")
          .setHasDynamicQuorum(false)
          .run();
    } catch (Exception e) {
      throw new IllegalStateException(
          "Cannot format Kafka data directory " + dataDirectory + ": " + e.getMessage(), e);
    }
  }

  private void awaitReady() {
    Map<String, Object> config = new HashMap<>();
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    config.put(AdminClientConfig.CLIENT_ID_CONFIG, "embedded-readiness-" + UUID.randomUUID());
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    try (Admin admin = Admin.create(config)) {
      while (true) {
        try {
          if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
            return;
          }
        } catch (Exception notYet) {
          if (System.nanoTime() > deadline) {
            stop();
            throw new IllegalStateException(
                "Embedded Kafka broker did not become ready within "
                    + READY_TIMEOUT.toSeconds()
                    + " s",
                notYet);
          }
        }
        Thread.sleep(100);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while waiting for the embedded broker", e);
    }
  }

  private static java.util.Properties toProperties(Map<String, String> map) {
    java.util.Properties properties = new java.util.Properties();
    properties.putAll(map);
    return properties;
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getByName(HOST))) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("No free port on " + HOST, e);
    }
  }
}
