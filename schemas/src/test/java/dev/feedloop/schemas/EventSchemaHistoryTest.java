package dev.feedloop.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

class EventSchemaHistoryTest {

  @Test
  void everyCurrentSchemaIsSnapshottedInTheHistory() {
    // A schema change must add a new snapshot (Name.vN.avsc + a line in index.txt),
    // otherwise readers elsewhere cannot resolve the new bytes.
    for (Class<? extends SpecificRecord> type : EventSchemas.EVENT_TYPES) {
      Schema current = EventSchemas.schemaOf(type);
      assertThat(historicalVersionsOf(current))
          .as("%s's current schema is in the history", type.getSimpleName())
          .anySatisfy(
              s ->
                  assertThat(EventSchemaStore.fingerprint(s))
                      .isEqualTo(EventSchemaStore.fingerprint(current)));
    }
  }

  @Test
  void currentReadersCanReadEverySnapshottedWriter() {
    for (Class<? extends SpecificRecord> type : EventSchemas.EVENT_TYPES) {
      Schema reader = EventSchemas.schemaOf(type);
      for (Schema writer : historicalVersionsOf(reader)) {
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getType())
            .as("%s reads snapshot %s", type.getSimpleName(), EventSchemaStore.fingerprint(writer))
            .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
      }
    }
  }

  @Test
  void builtInStoreResolvesEveryCurrentFingerprint() {
    for (Class<? extends SpecificRecord> type : EventSchemas.EVENT_TYPES) {
      Schema schema = EventSchemas.schemaOf(type);
      assertThat(EventSchemaStore.builtIn().findByFingerprint(EventSchemaStore.fingerprint(schema)))
          .isEqualTo(schema);
    }
  }

  private static java.util.List<Schema> historicalVersionsOf(Schema current) {
    return EventSchemaStore.builtIn().schemas().stream()
        .filter(s -> s.getFullName().equals(current.getFullName()))
        .toList();
  }
}
