package io.spindle.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.fixtures.Batches;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** BatchWalk passes whole, well-formed batches and stops at the first one that is not, saying why and where. */
class BatchWalkTest {
    /** Three batches of 2, 3 and 1 records at offsets 10, 12 and 15, back to back, followed by {@code tail} zeros. */
    private static ByteBuffer threeBatches(int tail) {
        List<ByteBuffer> batches = List.of(Batches.batch("a", 2, 1000), Batches.batch("b", 3, 2000),
                Batches.batch("c", 1, 3000));
        int total = tail;
        for (ByteBuffer b : batches) {
            total += b.remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(total);
        long offset = 10;
        for (ByteBuffer b : batches) {
            int at = all.position();
            all.put(b.duplicate());
            all.putLong(at, offset);
            offset += BatchHeader.at(b, 0).lastOffsetDelta() + 1;
        }
        return all.position(0).limit(total);
    }

    private static int[] starts(ByteBuffer all) {
        int first = 0;
        int second = (int) BatchHeader.at(all, 0).sizeInBytes();
        int third = second + (int) BatchHeader.at(all, second).sizeInBytes();
        return new int[] {first, second, third};
    }

    private static List<Long> walkedBaseOffsets(BatchWalk walk) {
        List<Long> bases = new ArrayList<>();
        while (walk.next()) {
            bases.add(walk.header().baseOffset());
        }
        return bases;
    }

    @Test
    void walksEveryBatchToTheEndWithoutAProblem() {
        ByteBuffer all = threeBatches(0);
        BatchWalk walk = BatchWalk.over(BatchHeader.at(all, 0), all.limit()).checkingCrc().expectingBaseOffset(10);
        assertEquals(List.of(10L, 12L, 15L), walkedBaseOffsets(walk));
        assertNull(walk.problem());
        assertEquals(all.limit(), walk.validEnd());
        assertEquals(16, walk.nextOffset());
        assertEquals(3, walk.batches());
        assertFalse(walk.next(), "a finished walk stays finished");
    }

    @Test
    void anEmptyRangeHasNoBatchesAndNoProblem() {
        BatchWalk walk = BatchWalk.over(BatchHeader.at(ByteBuffer.allocate(0), 0), 0).expectingBaseOffset(7);
        assertFalse(walk.next());
        assertNull(walk.problem());
        assertEquals(7, walk.nextOffset());
    }

    @Test
    void zerosAfterTheLastBatchEndTheWalkOnlyWhenAskedTo() {
        ByteBuffer all = threeBatches(200);
        BatchWalk preallocated = BatchWalk.over(BatchHeader.at(all, 0), all.limit()).endingAtZeros();
        assertEquals(3, walkedBaseOffsets(preallocated).size());
        assertNull(preallocated.problem());
        assertEquals(all.limit() - 200, preallocated.validEnd());

        BatchWalk strict = BatchWalk.over(BatchHeader.at(all, 0), all.limit());
        walkedBaseOffsets(strict);
        assertEquals(BatchWalk.Problem.UNSUPPORTED_MAGIC, strict.problem());
    }

    @Test
    void aShortTailOfZerosIsTheEndButAShortTailOfBytesIsATruncatedHeader() {
        ByteBuffer zeros = threeBatches(20);
        BatchWalk clean = BatchWalk.over(BatchHeader.at(zeros, 0), zeros.limit()).endingAtZeros();
        walkedBaseOffsets(clean);
        assertNull(clean.problem());

        ByteBuffer garbage = threeBatches(20);
        garbage.put(garbage.limit() - 3, (byte) 1);
        BatchWalk torn = BatchWalk.over(BatchHeader.at(garbage, 0), garbage.limit()).endingAtZeros();
        assertEquals(3, walkedBaseOffsets(torn).size());
        assertEquals(BatchWalk.Problem.TRUNCATED_HEADER, torn.problem());
        assertEquals(garbage.limit() - 20, torn.validEnd());
    }

    @Test
    void aBatchCutShortStopsTheWalkAtItsStart() {
        ByteBuffer all = threeBatches(0);
        int[] starts = starts(all);
        BatchWalk walk = BatchWalk.over(BatchHeader.at(all, 0), all.limit() - 1);
        assertEquals(List.of(10L, 12L), walkedBaseOffsets(walk));
        assertEquals(BatchWalk.Problem.BAD_LENGTH, walk.problem());
        assertEquals(starts[2], walk.validEnd());
        assertEquals(starts[2], walk.header().position(), "the header is left on the batch that failed");
        assertTrue(walk.describeProblem().endsWith("at position " + starts[2]), walk.describeProblem());
    }

    @Test
    void aLengthTooSmallForAHeaderIsBad() {
        ByteBuffer all = threeBatches(0);
        all.putInt(starts(all)[1] + BatchHeader.BATCH_LENGTH, 10);
        BatchWalk walk = BatchWalk.over(BatchHeader.at(all, 0), all.limit());
        assertEquals(1, walkedBaseOffsets(walk).size());
        assertEquals(BatchWalk.Problem.BAD_LENGTH, walk.problem());
    }

    @Test
    void anotherMagicIsUnsupported() {
        ByteBuffer all = threeBatches(0);
        all.put(starts(all)[1] + BatchHeader.MAGIC, (byte) 1);
        BatchWalk walk = BatchWalk.over(BatchHeader.at(all, 0), all.limit());
        walkedBaseOffsets(walk);
        assertEquals(BatchWalk.Problem.UNSUPPORTED_MAGIC, walk.problem());
        assertEquals(starts(all)[1], walk.validEnd());
    }

    @Test
    void aNegativeLastOffsetDeltaIsBad() {
        ByteBuffer all = threeBatches(0);
        all.putInt(starts(all)[2] + BatchHeader.LAST_OFFSET_DELTA, -1);
        BatchWalk walk = BatchWalk.over(BatchHeader.at(all, 0), all.limit());
        assertEquals(2, walkedBaseOffsets(walk).size());
        assertEquals(BatchWalk.Problem.BAD_OFFSET_DELTA, walk.problem());
    }

    @Test
    void aGapInBaseOffsetsIsNoticedOnlyWhenOffsetsAreExpected() {
        ByteBuffer all = threeBatches(0);
        all.putLong(starts(all)[2], 99);
        BatchWalk expecting = BatchWalk.over(BatchHeader.at(all, 0), all.limit()).expectingBaseOffset(10);
        assertEquals(List.of(10L, 12L), walkedBaseOffsets(expecting));
        assertEquals(BatchWalk.Problem.OFFSET_GAP, expecting.problem());
        assertEquals(15, expecting.nextOffset());

        BatchWalk trusting = BatchWalk.over(BatchHeader.at(all, 0), all.limit());
        assertEquals(List.of(10L, 12L, 99L), walkedBaseOffsets(trusting));
        assertNull(trusting.problem());
    }

    @Test
    void withHolesAllowedABatchMayStartPastTheEndOfTheOneBeforeButNotBeforeIt() {
        ByteBuffer all = threeBatches(0);
        all.putLong(starts(all)[2], 99);
        BatchWalk holes = BatchWalk.over(BatchHeader.at(all, 0), all.limit()).expectingBaseOffset(3)
                .allowingOffsetHoles();
        assertEquals(List.of(10L, 12L, 99L), walkedBaseOffsets(holes));
        assertNull(holes.problem());
        assertEquals(100, holes.nextOffset());

        all.putLong(starts(all)[2], 13);
        BatchWalk back = BatchWalk.over(BatchHeader.at(all, 0), all.limit()).expectingBaseOffset(3)
                .allowingOffsetHoles();
        assertEquals(List.of(10L, 12L), walkedBaseOffsets(back));
        assertEquals(BatchWalk.Problem.OFFSET_GAP, back.problem());
    }

    @Test
    void aDamagedRecordIsNoticedOnlyWhenCrcsAreChecked() {
        ByteBuffer all = threeBatches(0);
        int inSecond = starts(all)[2] - 1;
        all.put(inSecond, (byte) (all.get(inSecond) ^ 0x10));
        BatchWalk checking = BatchWalk.over(BatchHeader.at(all, 0), all.limit()).checkingCrc();
        assertEquals(List.of(10L), walkedBaseOffsets(checking));
        assertEquals(BatchWalk.Problem.CRC_MISMATCH, checking.problem());

        BatchWalk headersOnly = BatchWalk.over(BatchHeader.at(all, 0), all.limit());
        assertEquals(3, walkedBaseOffsets(headersOnly).size());
    }

    @Test
    void aWalkMayStartInTheMiddleOfTheBytes() {
        ByteBuffer all = threeBatches(0);
        BatchWalk walk = BatchWalk.over(BatchHeader.at(all, starts(all)[1]), all.limit()).expectingBaseOffset(12);
        assertEquals(List.of(12L, 15L), walkedBaseOffsets(walk));
        assertNull(walk.problem());
    }
}
