package dev.feedloop.schemas.adapters;

import dev.feedloop.schemas.AdapterChunk;
import dev.feedloop.schemas.AdapterPublished;
import dev.feedloop.schemas.AdapterWeights;
import dev.feedloop.schemas.ContentHash;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.utils.Utils;

/**
 * How adapter weights travel through Kafka: the safetensors bytes cut into {@link AdapterChunk}s of
 * at most {@link #DEFAULT_CHUNK_BYTES} (under the broker's default 1 MB message limit), each with
 * its SHA-256, all chunks of one model in one partition of the adapter-weights topic ({@link
 * #partitionFor}); the announcement lists their offsets ({@code AdapterWeights}) and reassembly
 * ({@link #reassemble}) checks every chunk before the bytes are used.
 */
public final class AdapterChunks {

  /** 512 KiB: a chunk plus its envelope stays well under the broker's 1 MB message.max.bytes. */
  public static final int DEFAULT_CHUNK_BYTES = 512 * 1024;

  private AdapterChunks() {}

  /** The chunks of {@code weights} in order; at least one, also for empty bytes. */
  public static List<AdapterChunk> split(
      String modelId, long version, byte[] weights, int chunkBytes) {
    if (chunkBytes < 1) {
      throw new IllegalArgumentException("chunk size must be positive, got " + chunkBytes);
    }
    int count = Math.max(1, (weights.length + chunkBytes - 1) / chunkBytes);
    List<AdapterChunk> chunks = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      byte[] data =
          Arrays.copyOfRange(
              weights, i * chunkBytes, Math.min(weights.length, (i + 1) * chunkBytes));
      chunks.add(
          AdapterChunk.newBuilder()
              .setModelId(modelId)
              .setVersion(version)
              .setIndex(i)
              .setCount(count)
              .setData(ByteBuffer.wrap(data))
              .setChecksum(ContentHash.of(data))
              .build());
    }
    return chunks;
  }

  /**
   * The partition of the adapter-weights topic that holds every chunk of {@code modelId}: Kafka's
   * default rule for a key (murmur2 of its UTF-8 bytes), so a model's chunks stay together however
   * the topic is read.
   */
  public static int partitionFor(String modelId, int partitions) {
    if (partitions < 1) {
      throw new IllegalArgumentException("a topic has at least one partition, got " + partitions);
    }
    return Utils.toPositive(Utils.murmur2(modelId.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  /**
   * The announced adapter's safetensors bytes from the chunks read at its listed offsets.
   *
   * @param chunks the record found at each of {@code announcement.weights.chunk_offsets}, in the
   *     same order; null where no committed record was found at that offset
   * @throws AdapterWeightsException when a chunk is missing, belongs elsewhere, fails its checksum,
   *     or the bytes are shorter or longer than announced
   */
  public static byte[] reassemble(AdapterPublished announcement, List<AdapterChunk> chunks) {
    AdapterWeights weights = announcement.getWeights();
    String what = announcement.getModelId() + " version " + announcement.getVersion();
    if (weights == null) {
      throw new AdapterWeightsException(
          AdapterWeightsException.Failure.NO_WEIGHTS, what + " names no weights in Kafka");
    }
    int count = weights.getChunkCount();
    if (count < 1
        || weights.getChunkOffsets().size() != count
        || chunks.size() != count
        || weights.getSizeBytes() < 0
        || weights.getSizeBytes() > Integer.MAX_VALUE) {
      throw new AdapterWeightsException(
          AdapterWeightsException.Failure.NO_WEIGHTS,
          what
              + " lists "
              + weights.getChunkOffsets().size()
              + " chunk offsets for "
              + count
              + " chunks of "
              + weights.getSizeBytes()
              + " bytes ("
              + chunks.size()
              + " read)");
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) weights.getSizeBytes());
    for (int i = 0; i < count; i++) {
      AdapterChunk chunk = chunks.get(i);
      String where =
          "chunk "
              + i
              + " of "
              + count
              + " of "
              + what
              + " ("
              + weights.getTopic()
              + "-"
              + weights.getPartition()
              + " offset "
              + weights.getChunkOffsets().get(i)
              + ")";
      if (chunk == null) {
        throw new AdapterWeightsException(
            AdapterWeightsException.Failure.MISSING_CHUNK, where + " is missing");
      }
      if (!chunk.getModelId().equals(announcement.getModelId())
          || chunk.getVersion() != announcement.getVersion()
          || chunk.getIndex() != i
          || chunk.getCount() != count) {
        throw new AdapterWeightsException(
            AdapterWeightsException.Failure.WRONG_CHUNK,
            where
                + " holds chunk "
                + chunk.getIndex()
                + " of "
                + chunk.getCount()
                + " of "
                + chunk.getModelId()
                + " version "
                + chunk.getVersion());
      }
      byte[] data = toArray(chunk.getData());
      if (!ContentHash.of(data).equals(chunk.getChecksum())) {
        throw new AdapterWeightsException(
            AdapterWeightsException.Failure.CHUNK_CHECKSUM,
            where + " does not match its checksum (" + data.length + " bytes)");
      }
      bytes.writeBytes(data);
    }
    if (bytes.size() != weights.getSizeBytes()) {
      throw new AdapterWeightsException(
          AdapterWeightsException.Failure.TRUNCATED,
          what
              + ": the chunks hold "
              + bytes.size()
              + " bytes, the announcement says "
              + weights.getSizeBytes());
    }
    return bytes.toByteArray();
  }

  private static byte[] toArray(ByteBuffer buffer) {
    ByteBuffer view = buffer.duplicate();
    byte[] data = new byte[view.remaining()];
    view.get(data);
    return data;
  }
}
