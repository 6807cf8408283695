package dev.feedloop.schemas.adapters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.schemas.AdapterChunk;
import dev.feedloop.schemas.AdapterPublished;
import dev.feedloop.schemas.AdapterWeights;
import dev.feedloop.schemas.ContentHash;
import dev.feedloop.schemas.SampleEvents;
import dev.feedloop.schemas.adapters.AdapterWeightsException.Failure;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class AdapterChunksTest {

  private static final byte[] WEIGHTS = randomBytes(2_500);

  @Test
  void splitsIntoChecksummedChunksThatReassembleToTheSameBytes() {
    List<AdapterChunk> chunks = AdapterChunks.split("tiny-chat", 4, WEIGHTS, 1_000);

    assertThat(chunks).hasSize(3);
    assertThat(chunks).extracting(AdapterChunk::getIndex).containsExactly(0, 1, 2);
    assertThat(chunks).allSatisfy(c -> assertThat(c.getCount()).isEqualTo(3));
    assertThat(chunks.get(2).getData().remaining()).isEqualTo(500);
    assertThat(chunks.get(0).getChecksum())
        .isEqualTo(ContentHash.of(java.util.Arrays.copyOf(WEIGHTS, 1_000)));
    assertThat(AdapterChunks.reassemble(announcement(chunks), chunks)).isEqualTo(WEIGHTS);
  }

  @Test
  void emptyAndExactMultipleSizesStillReassemble() {
    List<AdapterChunk> none = AdapterChunks.split("m", 1, new byte[0], 10);
    assertThat(none).hasSize(1);
    assertThat(AdapterChunks.reassemble(announcement(none), none)).isEmpty();
    byte[] twenty = randomBytes(20);
    List<AdapterChunk> two = AdapterChunks.split("m", 1, twenty, 10);
    assertThat(two).hasSize(2);
    assertThat(AdapterChunks.reassemble(announcement(two), two)).isEqualTo(twenty);
  }

  @Test
  void defaultChunkFitsTheBrokersDefaultMessageLimit() {
    assertThat(AdapterChunks.DEFAULT_CHUNK_BYTES).isEqualTo(512 * 1024).isLessThan(1_000_000);
  }

  @Test
  void aMissingChunkIsNamed() {
    List<AdapterChunk> chunks =
        new ArrayList<>(AdapterChunks.split("tiny-chat", 4, WEIGHTS, 1_000));
    AdapterPublished announcement = announcement(chunks);
    chunks.set(1, null);

    assertThatThrownBy(() -> AdapterChunks.reassemble(announcement, chunks))
        .isInstanceOfSatisfying(
            AdapterWeightsException.class,
            e -> assertThat(e.failure()).isEqualTo(Failure.MISSING_CHUNK))
        .hasMessageContaining("chunk 1 of 3")
        .hasMessageContaining("offset 101");
  }

  @Test
  void aCorruptChunkFailsItsChecksum() {
    List<AdapterChunk> chunks =
        new ArrayList<>(AdapterChunks.split("tiny-chat", 4, WEIGHTS, 1_000));
    byte[] corrupt = chunks.get(2).getData().array().clone();
    corrupt[7] ^= 1;
    chunks.set(2, AdapterChunk.newBuilder(chunks.get(2)).setData(ByteBuffer.wrap(corrupt)).build());

    assertThatThrownBy(() -> AdapterChunks.reassemble(announcement(chunks), chunks))
        .isInstanceOfSatisfying(
            AdapterWeightsException.class,
            e -> assertThat(e.failure()).isEqualTo(Failure.CHUNK_CHECKSUM))
        .hasMessageContaining("chunk 2 of 3");
  }

  @Test
  void aTruncatedChunkWithAMatchingChecksumFailsTheTotalLength() {
    List<AdapterChunk> chunks =
        new ArrayList<>(AdapterChunks.split("tiny-chat", 4, WEIGHTS, 1_000));
    AdapterPublished announcement = announcement(chunks);
    byte[] shorter = java.util.Arrays.copyOf(chunks.get(2).getData().array(), 100);
    chunks.set(
        2,
        AdapterChunk.newBuilder(chunks.get(2))
            .setData(ByteBuffer.wrap(shorter))
            .setChecksum(ContentHash.of(shorter))
            .build());

    assertThatThrownBy(() -> AdapterChunks.reassemble(announcement, chunks))
        .isInstanceOfSatisfying(
            AdapterWeightsException.class,
            e -> assertThat(e.failure()).isEqualTo(Failure.TRUNCATED))
        .hasMessageContaining("2100 bytes")
        .hasMessageContaining("2500");
  }

  @Test
  void aChunkOfAnotherVersionAtAListedOffsetIsRefused() {
    List<AdapterChunk> chunks =
        new ArrayList<>(AdapterChunks.split("tiny-chat", 4, WEIGHTS, 1_000));
    AdapterPublished announcement = announcement(chunks);
    chunks.set(0, AdapterChunks.split("tiny-chat", 3, WEIGHTS, 1_000).get(0));

    assertThatThrownBy(() -> AdapterChunks.reassemble(announcement, chunks))
        .isInstanceOfSatisfying(
            AdapterWeightsException.class,
            e -> assertThat(e.failure()).isEqualTo(Failure.WRONG_CHUNK))
        .hasMessageContaining("version 3");
  }

  @Test
  void anAnnouncementWithoutWeightsOrWithTooFewOffsetsIsRefused() {
    List<AdapterChunk> chunks = AdapterChunks.split("tiny-chat", 4, WEIGHTS, 1_000);
    AdapterPublished none =
        AdapterPublished.newBuilder(announcement(chunks)).setWeights(null).build();
    assertThatThrownBy(() -> AdapterChunks.reassemble(none, chunks))
        .isInstanceOfSatisfying(
            AdapterWeightsException.class,
            e -> assertThat(e.failure()).isEqualTo(Failure.NO_WEIGHTS));
    assertThatThrownBy(() -> AdapterChunks.reassemble(announcement(chunks), chunks.subList(0, 2)))
        .isInstanceOfSatisfying(
            AdapterWeightsException.class,
            e -> assertThat(e.failure()).isEqualTo(Failure.NO_WEIGHTS));
  }

  @Test
  void aModelsChunksAlwaysGoToTheSamePartitionWithinRange() {
    for (int partitions = 1; partitions <= 7; partitions++) {
      int partition = AdapterChunks.partitionFor("tiny-chat", partitions);
      assertThat(partition).isBetween(0, partitions - 1);
      assertThat(AdapterChunks.partitionFor("tiny-chat", partitions)).isEqualTo(partition);
    }
    assertThatThrownBy(() -> AdapterChunks.partitionFor("m", 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** The announcement of these chunks, as if they were written at offsets 100, 101, ... */
  private static AdapterPublished announcement(List<AdapterChunk> chunks) {
    long size = chunks.stream().mapToLong(c -> c.getData().remaining()).sum();
    return AdapterPublished.newBuilder(SampleEvents.adapter())
        .setModelId(chunks.get(0).getModelId())
        .setVersion(chunks.get(0).getVersion())
        .setWeights(
            AdapterWeights.newBuilder()
                .setTopic("adapter-weights")
                .setPartition(0)
                .setChunkOffsets(LongStream.range(100, 100 + chunks.size()).boxed().toList())
                .setChunkCount(chunks.size())
                .setSizeBytes(size)
                .build())
        .build();
  }

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    new Random(7).nextBytes(bytes);
    return bytes;
  }
}
