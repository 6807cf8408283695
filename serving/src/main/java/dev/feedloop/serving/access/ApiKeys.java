package dev.feedloop.serving.access;

import dev.feedloop.schemas.ContentHash;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configured client and operator keys. Keys are kept only as SHA-256 digests and a presented
 * key is compared with every one of them in constant time, so neither a match's position nor its
 * prefix shows in the response time.
 */
@Singleton
public final class ApiKeys {

  private static final Logger LOG = LoggerFactory.getLogger(ApiKeys.class);

  /** Shorter keys are accepted with a warning: they can be guessed. */
  static final int SHORTEST_SAFE_KEY = 20;

  /** What a key allows. */
  public enum Role {
    /** chat, feedback and the read-only listings */
    CLIENT,
    /** everything a client may do, plus the adapter actions */
    OPERATOR;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * The holder of a key, as logs and the audit log name it.
   *
   * @param name the key's configured name ({@code name:key}), or {@code key<n>} for a bare key
   */
  public record Caller(Role role, String name) {

    /**
     * "operator:alice", "client:web": the value of the request attribute {@code feedloop.caller}.
     */
    public String label() {
      return role.label() + ":" + name;
    }
  }

  private record Entry(Caller caller, byte[] digest) {}

  private final List<Entry> entries;

  public ApiKeys(AccessSettings settings) {
    this(
        entries(Role.CLIENT, settings.apiKeys(), settings.apiKeysFile()),
        entries(Role.OPERATOR, settings.operatorKeys(), settings.operatorKeysFile()));
  }

  private ApiKeys(List<String> clientEntries, List<String> operatorEntries) {
    List<Entry> parsed = new ArrayList<>();
    parse(Role.CLIENT, clientEntries, parsed);
    parse(Role.OPERATOR, operatorEntries, parsed);
    Set<String> digests = new HashSet<>();
    Set<String> labels = new HashSet<>();
    for (Entry entry : parsed) {
      if (!digests.add(new String(entry.digest(), StandardCharsets.US_ASCII))) {
        throw new IllegalArgumentException(
            "The key named " + entry.caller().label() + " is configured twice");
      }
      if (!labels.add(entry.caller().label())) {
        throw new IllegalArgumentException(
            "Two keys are named " + entry.caller().label() + ": names must be unique per role");
      }
    }
    this.entries = List.copyOf(parsed);
  }

  /** Keys from comma-separated {@code name:key} lists, for tests and embedded use. */
  public static ApiKeys of(String clientKeys, String operatorKeys) {
    return new ApiKeys(split(clientKeys), split(operatorKeys));
  }

  /** True once any key is configured: then every call but health needs one. */
  public boolean enabled() {
    return !entries.isEmpty();
  }

  public boolean hasOperatorKeys() {
    return entries.stream().anyMatch(entry -> entry.caller().role() == Role.OPERATOR);
  }

  public long count(Role role) {
    return entries.stream().filter(entry -> entry.caller().role() == role).count();
  }

  /** The holder of {@code presented}, comparing it with every key in constant time. */
  public Optional<Caller> find(String presented) {
    byte[] digest = digest(presented);
    Caller found = null;
    for (Entry entry : entries) {
      // no early exit: every key is compared whatever matched before
      if (MessageDigest.isEqual(digest, entry.digest())) {
        found = entry.caller();
      }
    }
    return Optional.ofNullable(found);
  }

  private static byte[] digest(String key) {
    return ContentHash.of(key.getBytes(StandardCharsets.UTF_8)).getBytes(StandardCharsets.US_ASCII);
  }

  private static List<String> entries(Role role, String inline, String file) {
    List<String> all = new ArrayList<>(split(inline));
    if (file != null && !file.isBlank()) {
      try {
        for (String line : Files.readAllLines(Path.of(file.strip()), StandardCharsets.UTF_8)) {
          if (!line.strip().startsWith("#")) {
            all.addAll(split(line));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(
            "Cannot read the " + role.label() + " keys file " + file.strip(), e);
      }
    }
    return all;
  }

  private static List<String> split(String list) {
    List<String> parts = new ArrayList<>();
    if (list == null) {
      return parts;
    }
    for (String part : list.split("[,\\r\\n]")) {
      if (!part.isBlank()) {
        parts.add(part.strip());
      }
    }
    return parts;
  }

  private static void parse(Role role, List<String> list, List<Entry> into) {
    int unnamed = 0;
    for (String entry : list) {
      int colon = entry.indexOf(':');
      String name = colon < 0 ? "key" + ++unnamed : entry.substring(0, colon).strip();
      String key = colon < 0 ? entry : entry.substring(colon + 1).strip();
      if (name.isEmpty() || key.isEmpty()) {
        throw new IllegalArgumentException(
            "A " + role.label() + " key entry is malformed: write name:key or key");
      }
      Caller caller = new Caller(role, name);
      if (key.length() < SHORTEST_SAFE_KEY) {
        LOG.warn(
            "The key {} has {} characters: keys this short can be guessed, use at least {}",
            caller.label(),
            key.length(),
            SHORTEST_SAFE_KEY);
      }
      into.add(new Entry(caller, digest(key)));
    }
  }
}
