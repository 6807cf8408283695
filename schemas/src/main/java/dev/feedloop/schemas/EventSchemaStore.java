package dev.feedloop.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.SchemaStore;

/**
 * Every writer schema a reader may meet: the current ones plus each released version snapshotted
 * under {@value #HISTORY_INDEX}. Single-object encoding carries only the writer schema's
 * fingerprint, so a reader can resolve old bytes only if it knows the old schema.
 */
public final class EventSchemaStore implements SchemaStore {

  static final String HISTORY_INDEX = "/dev/feedloop/schemas/history/index.txt";

  private static final EventSchemaStore BUILT_IN = loadBuiltIn();

  private final Map<Long, Schema> schemasByFingerprint = new LinkedHashMap<>();

  public EventSchemaStore() {}

  /** The current event schemas plus the snapshotted history shipped in this jar. */
  public static EventSchemaStore builtIn() {
    return BUILT_IN;
  }

  public static long fingerprint(Schema schema) {
    return SchemaNormalization.parsingFingerprint64(schema);
  }

  public synchronized EventSchemaStore add(Schema schema) {
    schemasByFingerprint.putIfAbsent(fingerprint(schema), schema);
    return this;
  }

  @Override
  public synchronized Schema findByFingerprint(long fingerprint) {
    return schemasByFingerprint.get(fingerprint);
  }

  public synchronized Collection<Schema> schemas() {
    return Collections.unmodifiableCollection(
        new java.util.ArrayList<>(schemasByFingerprint.values()));
  }

  private static EventSchemaStore loadBuiltIn() {
    EventSchemaStore store = new EventSchemaStore();
    EventSchemas.EVENT_TYPES.forEach(type -> store.add(EventSchemas.schemaOf(type)));
    for (String file : readResource(HISTORY_INDEX).split("\\R")) {
      String name = file.strip();
      if (name.isEmpty() || name.startsWith("#")) {
        continue;
      }
      String json = readResource("/dev/feedloop/schemas/history/" + name);
      try {
        store.add(new Schema.Parser().parse(json));
      } catch (RuntimeException e) {
        throw new IllegalStateException(
            "Snapshotted schema " + name + " does not parse: " + e.getMessage(), e);
      }
    }
    return store;
  }

  private static String readResource(String path) {
    try (InputStream in = EventSchemaStore.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("Missing schema history resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
