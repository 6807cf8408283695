package dev.feedloop.trainer.run;

import dev.feedloop.schemas.ContentHash;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reference-policy log-probs, computed once per (reference model, prompt tokens, completion tokens)
 * and reused across epochs, windows and runs. The key is SHA-256 over the reference fingerprint
 * (base model, plus the adapter when reference=previous, plus tokenizer/template) and the token
 * ids, so a changed reference or tokenization never hits a stale entry.
 *
 * <p>Entries live in memory and, when opened on a directory, in an append-only file per
 * fingerprint: a header line, then fixed 36-byte records (32-byte key, little-endian float32). A
 * record cut short by a crash is dropped on the next open; appends are flushed to the OS as they
 * happen.
 */
public final class ReferenceLogpsCache implements AutoCloseable {
  private static final byte[] MAGIC =
      "feedloop-reference-logps v1\n".getBytes(StandardCharsets.UTF_8);
  private static final int KEY_BYTES = 32;
  private static final int RECORD_BYTES = KEY_BYTES + Float.BYTES;

  /**
   * Computes the log-probs of the entries that were not cached; gets their indices into the batch.
   */
  @FunctionalInterface
  public interface MissingScorer {
    float[] score(List<Integer> missingIndices);
  }

  private final String fingerprint;
  private final Map<Key, Float> entries = new ConcurrentHashMap<>();
  private final FileChannel file;
  private final AtomicLong hits = new AtomicLong();
  private final AtomicLong misses = new AtomicLong();

  private ReferenceLogpsCache(String fingerprint, FileChannel file) {
    this.fingerprint = fingerprint;
    this.file = file;
  }

  public static ReferenceLogpsCache inMemory(String fingerprint) {
    return new ReferenceLogpsCache(fingerprint, null);
  }

  /**
   * Opens (or creates) the on-disk cache of this fingerprint under {@code directory} and loads its
   * entries.
   */
  public static ReferenceLogpsCache open(Path directory, String fingerprint) {
    try {
      Files.createDirectories(directory);
      Path path =
          directory.resolve(
              ContentHash.of(fingerprint.getBytes(StandardCharsets.UTF_8)).substring(0, 24)
                  + ".logps");
      FileChannel channel =
          FileChannel.open(
              path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      byte[] header = header(fingerprint);
      ReferenceLogpsCache cache = new ReferenceLogpsCache(fingerprint, channel);
      if (channel.size() == 0) {
        channel.write(ByteBuffer.wrap(header), 0);
      } else {
        cache.load(header, path);
      }
      channel.position(channel.size());
      return cache;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open reference log-prob cache in " + directory, e);
    }
  }

  private void load(byte[] expectedHeader, Path path) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(expectedHeader.length);
    file.read(header, 0);
    if (!java.util.Arrays.equals(header.array(), expectedHeader)) {
      throw new IllegalStateException(
          path + " is not the reference log-prob cache of fingerprint " + fingerprint);
    }
    long recordBytes = file.size() - expectedHeader.length;
    long completeRecords = recordBytes / RECORD_BYTES;
    ByteBuffer records =
        ByteBuffer.allocate((int) Math.min(Integer.MAX_VALUE, completeRecords * RECORD_BYTES))
            .order(ByteOrder.LITTLE_ENDIAN);
    file.read(records, expectedHeader.length);
    records.flip();
    while (records.remaining() >= RECORD_BYTES) {
      byte[] key = new byte[KEY_BYTES];
      records.get(key);
      entries.put(new Key(key), records.getFloat());
    }
    // drop a torn last record so that later appends stay aligned
    file.truncate(expectedHeader.length + completeRecords * RECORD_BYTES);
  }

  private static byte[] header(String fingerprint) {
    byte[] text = (fingerprint.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] header = new byte[MAGIC.length + text.length];
    System.arraycopy(MAGIC, 0, header, 0, MAGIC.length);
    System.arraycopy(text, 0, header, MAGIC.length, text.length);
    return header;
  }

  public String fingerprint() {
    return fingerprint;
  }

  public Float get(int[] prompt, int[] completion) {
    Float value = entries.get(key(prompt, completion));
    (value == null ? misses : hits).incrementAndGet();
    return value;
  }

  public void put(int[] prompt, int[] completion, float logp) {
    Key key = key(prompt, completion);
    if (entries.putIfAbsent(key, logp) == null && file != null) {
      ByteBuffer record = ByteBuffer.allocate(RECORD_BYTES).order(ByteOrder.LITTLE_ENDIAN);
      record.put(key.bytes).putFloat(logp).flip();
      synchronized (file) {
        try {
          while (record.hasRemaining()) {
            file.write(record);
          }
        } catch (IOException e) {
          throw new UncheckedIOException("cannot append to the reference log-prob cache", e);
        }
      }
    }
  }

  /**
   * The reference log-probs of a batch: cached ones are looked up, the rest computed in a single
   * call of {@code scorer} (so the model runs one smaller batch) and stored.
   */
  public float[] getOrCompute(List<int[]> prompts, List<int[]> completions, MissingScorer scorer) {
    float[] values = new float[prompts.size()];
    List<Integer> missing = new ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      Float cached = get(prompts.get(i), completions.get(i));
      if (cached == null) {
        missing.add(i);
      } else {
        values[i] = cached;
      }
    }
    if (!missing.isEmpty()) {
      float[] computed = scorer.score(List.copyOf(missing));
      if (computed.length != missing.size()) {
        throw new IllegalStateException(
            "scorer returned " + computed.length + " values for " + missing.size() + " sequences");
      }
      for (int j = 0; j < computed.length; j++) {
        int index = missing.get(j);
        values[index] = computed[j];
        put(prompts.get(index), completions.get(index), computed[j]);
      }
    }
    return values;
  }

  public int size() {
    return entries.size();
  }

  public long hits() {
    return hits.get();
  }

  public long misses() {
    return misses.get();
  }

  private Key key(int[] prompt, int[] completion) {
    byte[] fingerprintBytes = fingerprint.getBytes(StandardCharsets.UTF_8);
    ByteBuffer buffer =
        ByteBuffer.allocate(12 + fingerprintBytes.length + 4 * (prompt.length + completion.length))
            .order(ByteOrder.LITTLE_ENDIAN);
    // lengths first, so that moving a token between prompt and completion changes the key
    buffer.putInt(fingerprintBytes.length).put(fingerprintBytes);
    buffer.putInt(prompt.length);
    for (int id : prompt) {
      buffer.putInt(id);
    }
    buffer.putInt(completion.length);
    for (int id : completion) {
      buffer.putInt(id);
    }
    return new Key(HexFormat.of().parseHex(ContentHash.of(buffer.array())));
  }

  @Override
  public void close() {
    if (file != null) {
      try {
        file.force(false);
        file.close();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot close the reference log-prob cache", e);
      }
    }
  }

  private record Key(byte[] bytes) {
    @Override
    public boolean equals(Object other) {
      return other instanceof Key key && java.util.Arrays.equals(bytes, key.bytes);
    }

    @Override
    public int hashCode() {
      return java.util.Arrays.hashCode(bytes);
    }
  }
}
