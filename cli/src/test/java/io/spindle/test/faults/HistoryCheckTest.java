package io.spindle.test.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.test.faults.HistoryCheck.Stored;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fault run's checker finds each kind of violation in a hand-made history, and none in a clean one. */
class HistoryCheckTest {
    private static final HistoryCheck.Reads NOTHING_READ = (partition, offset) -> null;

    /** Producer 0 sent and had acknowledged p0-0..p0-2 at offsets 0..2 of partition 0. */
    private static AckHistory threeAcknowledged() {
        AckHistory acks = new AckHistory(1);
        for (int seq = 0; seq < 3; seq++) {
            acks.sent(AckHistory.value(0, seq));
            acks.acked(AckHistory.value(0, seq), 0, seq);
        }
        return acks;
    }

    private static Map<Integer, List<Stored>> log(Stored... records) {
        return Map.of(0, List.of(records));
    }

    @Test
    void aLogHoldingEveryAcknowledgementInOrderPasses() {
        HistoryCheck.Result result = HistoryCheck.check(threeAcknowledged(),
                log(new Stored(0, "p0-0", 0), new Stored(1, "p0-1", 0), new Stored(2, "p0-2", 1)), NOTHING_READ);
        assertEquals(List.of(), result.problems());
        assertEquals(3, result.acknowledged());
        assertEquals(2, result.leaderEpochs());
    }

    @Test
    void anAcknowledgedRecordMissingFromItsOffsetIsLost() {
        HistoryCheck.Result result = HistoryCheck.check(threeAcknowledged(),
                log(new Stored(0, "p0-0", 0), new Stored(1, "p0-1", 0)), NOTHING_READ);
        assertEquals(1, result.lost());
        assertTrue(result.problems().get(0).contains("p0-2 at 0/2 is missing"), result.problems().toString());
    }

    @Test
    void aRecordStoredTwiceIsADuplicateAndMovesTheAcknowledgedOne() {
        AckHistory acks = threeAcknowledged();
        HistoryCheck.Result result = HistoryCheck.check(acks, log(new Stored(0, "p0-0", 0), new Stored(1, "p0-0", 0),
                new Stored(2, "p0-1", 0), new Stored(3, "p0-2", 0)), NOTHING_READ);
        assertEquals(1, result.duplicated());
        assertEquals(2, result.lost(), "p0-1 and p0-2 are no longer where they were acknowledged");
    }

    @Test
    void aLeaderEpochGoingBackAlongTheLogIsAViolation() {
        HistoryCheck.Result result = HistoryCheck.check(threeAcknowledged(),
                log(new Stored(0, "p0-0", 1), new Stored(1, "p0-1", 2), new Stored(2, "p0-2", 1)), NOTHING_READ);
        assertEquals(0, result.lost());
        assertEquals(List.of("0/2 has leader epoch 1 after epoch 2"), result.problems());
    }

    @Test
    void recordsOutOfSendOrderUnsentOrReadDifferentlyAreViolations() {
        AckHistory acks = new AckHistory(1);
        acks.sent("p0-0");
        acks.sent("p0-1");
        List<String> problems = new ArrayList<>(HistoryCheck.check(acks,
                log(new Stored(0, "p0-1", 0), new Stored(1, "p0-0", 0), new Stored(3, "p9-9", 0)),
                (partition, offset) -> offset == 0 ? "p0-5" : null).problems());
        assertEquals(List.of("a consumer read p0-5 at 0/0, which holds p0-1",
                "0/1: p0-0 follows sequence 1 of its producer",
                "offsets of partition 0 jump from 1 to 3",
                "0/3 holds p9-9, which no producer sent"), problems);
    }
}
