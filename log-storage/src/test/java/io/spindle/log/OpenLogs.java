package io.spindle.log;

import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** The log managers a test opens on its data directory (a restart is another open), closed together after it. */
final class OpenLogs implements AutoCloseable {
    private final List<LogManager> managers = new ArrayList<>();

    /** Opens a manager on {@code dataDir} (flush.mode=none) whose topics all have {@code config}; returns partition t-0. */
    PartitionLog openT0(Path dataDir, TopicConfig config, Clock clock) {
        LogManager manager = add(LogManager.open(dataDir, new FlushPolicy(FlushMode.NONE, 1000, 10_000), 3_600_000,
                t -> config, clock));
        return manager.getOrCreate("t", 0, config);
    }

    /** Closes {@code manager} with the others after the test. */
    LogManager add(LogManager manager) {
        managers.add(manager);
        return manager;
    }

    @Override
    public void close() {
        managers.forEach(LogManager::close);
        managers.clear();
    }
}
