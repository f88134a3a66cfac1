package io.spindle.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

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
    void injectsTheBootstrapAddressOfABrokerStartedWithTheAnnotationsSettings(@BootstrapServers String bootstrap) {
        try (Spindle spindle = Spindle.connect(bootstrap)) {
            spindle.producer().send("injected", "k", "v").join();

            assertEquals(4, spindle.admin().partitionCount("injected"));
        }
    }

    @Test
    void oneBrokerServesTheWholeClass(EmbeddedSpindle broker, Spindle spindle) {
        assertSame(before, broker);
        assertEquals(broker.bootstrapServers(), spindle.bootstrapServers());
    }

    @Nested
    class NestedTests {
        @Test
        void nestedClassesShareTheOuterBroker(EmbeddedSpindle broker) {
            assertSame(before, broker);
        }
    }
}
