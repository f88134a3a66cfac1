package io.spindle.perf.jmh;

import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import io.spindle.fixtures.Batches;
import io.spindle.log.FlushPolicy;
import io.spindle.log.LogManager;
import io.spindle.log.PartitionLog;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@link PartitionLog#append} of one producer batch with flush.mode=none: the CPU cost of validating a batch
 * (length, magic, CRC32C), stamping its base offset, copying it into the mapped segment and indexing it,
 * without waiting for the disk. A fresh log per iteration keeps the data set bounded.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LogAppendBenchmark {
    /** Records per batch x bytes per record: a 16 KiB and a 64 KiB batch of 1 KiB records, and 100-byte records. */
    @Param({"16x1024", "64x1024", "160x100"})
    public String batch;

    private Path dir;
    private LogManager manager;
    private PartitionLog log;
    private ByteBuffer records;

    @Setup(Level.Trial)
    public void makeBatch() {
        String[] parts = batch.split("x");
        records = Batches.direct(Batches.filled(Integer.parseInt(parts[0]), Integer.parseInt(parts[1])));
    }

    @Setup(Level.Iteration)
    public void openLog() throws Exception {
        dir = Files.createTempDirectory("spindle-jmh-append-");
        TopicConfig config = TopicConfig.defaults();
        manager = LogManager.open(dir, new FlushPolicy(FlushMode.NONE, 1000, 10_000), TimeUnit.HOURS.toMillis(1),
                t -> config, Clock.systemUTC());
        log = manager.getOrCreate("bench", 0, config);
    }

    @TearDown(Level.Iteration)
    public void closeLog() throws Exception {
        manager.close();
        ScratchDirs.deleteRecursively(dir);
    }

    @Benchmark
    public long append() {
        return log.append(records.duplicate()).lastOffset();
    }
}
