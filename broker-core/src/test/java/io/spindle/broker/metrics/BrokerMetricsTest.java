package io.spindle.broker.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class BrokerMetricsTest {

    @Test
    void processCpuTimeIsServedInSecondsOnlyNotAlsoInNanoseconds() {
        try (BrokerMetrics metrics = new BrokerMetrics(10)) {
            Map<String, Double> samples = PrometheusText.parse(metrics.registry().scrape());

            assertTrue(samples.containsKey("process_cpu_seconds_total"), samples.keySet().toString());
            assertTrue(samples.keySet().stream().noneMatch(name -> name.startsWith("process_cpu_time")),
                    samples.keySet().toString());
        }
    }
}
