package io.spindle.perf;

import io.spindle.broker.SpindleBroker;
import io.spindle.config.BrokerConfig;
import java.nio.file.Path;
import java.util.Map;

/** A real Spindle broker in this JVM on a free loopback port, its data in a test's temp dir. */
final class InProcessSpindle implements AutoCloseable {
    private final SpindleBroker broker;

    InProcessSpindle(Path dataDir) {
        broker = SpindleBroker.start(BrokerConfig.of(Map.of(
                BrokerConfig.DATA_DIR, dataDir.toString(),
                BrokerConfig.LISTENER_HOST, "127.0.0.1",
                BrokerConfig.LISTENER_PORT, "0",
                BrokerConfig.METRICS_PORT, "-1",
                BrokerConfig.FLUSH_MODE, "none")));
    }

    String bootstrap() {
        return "127.0.0.1:" + broker.port();
    }

    @Override
    public void close() {
        broker.close();
    }
}
