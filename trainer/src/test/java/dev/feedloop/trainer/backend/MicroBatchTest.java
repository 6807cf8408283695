package dev.feedloop.trainer.backend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.trainer.data.TokenizedPair;
import dev.feedloop.trainer.data.TokenizedUnary;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Micro-batching and KTO's mismatched pairs, as pure functions of the records. */
class MicroBatchTest {

  private static TokenizedUnary unary(int id) {
    return new TokenizedUnary(new int[] {id}, new int[] {100 + id, 200 + id}, id % 2 == 0);
  }

  private static TokenizedPair pair(int id) {
    return new TokenizedPair(new int[] {id}, new int[] {100 + id}, new int[] {200 + id}, 1.0);
  }

  private static List<TokenizedUnary> unary(int from, int count) {
    List<TokenizedUnary> records = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      records.add(unary(i));
    }
    return records;
  }

  @Test
  void theKlRotationPairsEachPromptWithThePreviousRecordsCompletion() {
    for (int n = 2; n <= 9; n++) {
      List<TokenizedUnary> records = unary(0, n);
      List<UnaryBatch.PromptCompletion> mismatched = new UnaryBatch(records).mismatched();
      assertThat(mismatched).hasSize(n);
      Set<int[]> completionsUsed = Collections.newSetFromMap(new IdentityHashMap<>());
      for (int i = 0; i < n; i++) {
        TokenizedUnary own = records.get(i);
        UnaryBatch.PromptCompletion row = mismatched.get(i);
        assertThat(row.prompt()).isSameAs(own.prompt());
        // never its own completion: the KL estimate needs answers to other prompts
        assertThat(row.completion()).isNotSameAs(own.completion());
        assertThat(row.completion()).isSameAs(records.get((i + n - 1) % n).completion());
        completionsUsed.add(row.completion());
      }
      // a rotation: every record's completion is used exactly once
      assertThat(completionsUsed).hasSize(n);
    }
  }

  @Test
  void twoRecordsSwapCompletionsAndOneRecordHasNoMismatchedPair() {
    List<TokenizedUnary> two = unary(0, 2);
    List<UnaryBatch.PromptCompletion> swapped = new UnaryBatch(two).mismatched();
    assertThat(swapped.get(0).completion()).isSameAs(two.get(1).completion());
    assertThat(swapped.get(1).completion()).isSameAs(two.get(0).completion());
    // with one record the only completion is its own: no KL estimate (the reference point is 0)
    assertThat(new UnaryBatch(unary(0, 1)).mismatched()).isEmpty();
  }

  @Test
  void mixedRecordsAreAllBatchedOnceInBatchesOfOneKind() {
    List<TokenizedPair> pairs = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      pairs.add(pair(i));
    }
    List<TokenizedUnary> unary = unary(50, 7);
    List<MicroBatch> batches =
        PreferenceOptimizer.microBatches(new TokenizedRecords(pairs, unary), 3);

    Map<Object, Integer> seen = new IdentityHashMap<>();
    List<String> kinds = new ArrayList<>();
    for (MicroBatch batch : batches) {
      assertThat(batch.size()).isBetween(1, 3);
      kinds.add(batch.match(p -> "pairs", u -> "unary"));
      batch
          .<List<?>>match(PairBatch::pairs, UnaryBatch::unary)
          .forEach(r -> seen.merge(r, 1, Integer::sum));
    }
    // 10 pairs in 4 batches, 7 unary records in 3: nothing dropped, nothing twice
    assertThat(seen).hasSize(17);
    assertThat(seen.values()).containsOnly(1);
    assertThat(kinds)
        .containsExactly("pairs", "unary", "pairs", "unary", "pairs", "unary", "pairs");
    // within a kind the given order is kept
    List<TokenizedPair> pairOrder = new ArrayList<>();
    batches.forEach(b -> b.match(p -> pairOrder.addAll(p.pairs()), u -> false));
    assertThat(pairOrder).containsExactlyElementsOf(pairs);
  }

  @Test
  void oneKindIsCutInOrder() {
    List<MicroBatch> batches =
        PreferenceOptimizer.microBatches(TokenizedRecords.ofUnary(unary(0, 5)), 2);
    assertThat(batches).hasSize(3);
    assertThat(batches).allMatch(b -> b instanceof UnaryBatch);
    assertThat(batches.stream().mapToInt(MicroBatch::size)).containsExactly(2, 2, 1);
  }
}
