package io.spindle.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@EmbeddedBroker({"num.partitions=4"})
class EmbeddedBrokerExtensionTest {
    private static EmbeddedSpindle before;

    @BeforeAll
    static void rememberBroker(EmbeddedSpindle broker) {
        before = broker;
    }

    @Test
    void injectsTheBootstrapServersOfABrokerStartedWithTheAnnotationsSettings(@BootstrapServers String servers)
            throws Exception {
        RecordMetadata sent = KafkaClients.send(servers, "injected", "v");

        assertEquals(List.of("v"),
                KafkaClients.read(servers, new TopicPartition("injected", sent.partition()), 1));
        assertEquals(4, KafkaClients.partitionCount(servers, "injected"));
    }

    @Test
    void oneBrokerServesTheWholeClass(EmbeddedSpindle broker, @BootstrapServers String servers) {
        assertSame(before, broker);
        assertEquals(broker.bootstrapServers(), servers);
    }

    @Nested
    class NestedTests {
        @Test
        void nestedClassesShareTheOuterBroker(EmbeddedSpindle broker) {
            assertSame(before, broker);
        }
    }
}
