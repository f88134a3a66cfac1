package io.spindle.share;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

/** Share-group assignment: every member gets partitions and every partition gets members. */
class ShareAssignorTest {
    private static final Uuid T = Uuid.randomUuid();

    @Test
    void moreMembersThanPartitionsShareThem() {
        var result = ShareAssignor.assign(Map.of("a", List.of("t"), "b", List.of("t"), "c", List.of("t")),
                Map.of("t", new ShareAssignor.Topic(T, 1)));
        assertEquals(Map.of("a", Map.of(T, List.of(0)), "b", Map.of(T, List.of(0)), "c", Map.of(T, List.of(0))), result);
    }

    @Test
    void fewerMembersThanPartitionsSplitThem() {
        var result = ShareAssignor.assign(Map.of("a", List.of("t"), "b", List.of("t")),
                Map.of("t", new ShareAssignor.Topic(T, 3)));
        assertEquals(Map.of("a", Map.of(T, List.of(0, 2)), "b", Map.of(T, List.of(1))), result);
    }

    @Test
    void memberOfAMissingTopicGetsNothing() {
        var result = ShareAssignor.assign(Map.of("a", List.of("nope")), Map.of());
        assertEquals(Map.of("a", Map.of()), result);
    }
}
