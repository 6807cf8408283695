package dev.feedloop.streams.internal;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A time index over another store's keys, so that a punctuation finds what is due with one ordered
 * scan instead of reading every entry. Keys are the deadline as 16 hex digits (which sort like the
 * numbers) followed by the entry key; the value is the entry key.
 */
public final class Deadlines {

  private final KeyValueStore<String, String> index;

  public Deadlines(KeyValueStore<String, String> index) {
    this.index = index;
  }

  public void add(long at, String entry) {
    index.put(indexKey(at, entry), entry);
  }

  /** Removes and returns the entries due at or before {@code now}, earliest first. */
  public List<String> popDue(long now) {
    List<KeyValue<String, String>> due = new ArrayList<>();
    try (KeyValueIterator<String, String> iterator = index.all()) {
      while (iterator.hasNext()) {
        KeyValue<String, String> next = iterator.next();
        if (Long.parseUnsignedLong(next.key.substring(0, 16), 16) > Math.max(0, now)) {
          break;
        }
        due.add(next);
      }
    }
    List<String> entries = new ArrayList<>(due.size());
    for (KeyValue<String, String> entry : due) {
      index.delete(entry.key);
      entries.add(entry.value);
    }
    return entries;
  }

  private static String indexKey(long at, String entry) {
    return String.format("%016x", Math.max(0, at)) + entry;
  }
}
