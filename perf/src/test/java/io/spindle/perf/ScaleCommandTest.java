package io.spindle.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How {@code perf scale} lays out the partitions: one topic, except Kafka past what it creates in one operation. */
class ScaleCommandTest {

    @Test
    void spindleGetsOneTopicOfEveryPartition() {
        assertEquals(List.of(10_000), ScaleCommand.topicSizes(SpindleLauncher.NAME, 10_000));
    }

    @Test
    void kafkaGetsOneTopicUpTo9999Partitions() {
        assertEquals(List.of(9_999), ScaleCommand.topicSizes(KafkaLauncher.NAME, 9_999));
    }

    @Test
    void kafkaPast9999PartitionsGetsTopicsOf5000AndOneOfTheRest() {
        assertEquals(List.of(5_000, 5_000), ScaleCommand.topicSizes(KafkaLauncher.NAME, 10_000));
        assertEquals(List.of(5_000, 5_000, 2_001), ScaleCommand.topicSizes(KafkaLauncher.NAME, 12_001));
    }
}
