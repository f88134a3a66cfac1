package io.spindle.perf.jmh;

import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import io.spindle.fixtures.Batches;
import io.spindle.log.FlushPolicy;
import io.spindle.log.LogManager;
import io.spindle.log.LogSlice;
import io.spindle.log.PartitionLog;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.SplittableRandom;
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
 * {@link PartitionLog#read} at a random offset of a 256 MiB log of 64 KiB batches, as a Fetch does: find the
 * segment and the position (sparse index, then a scan), and hand out a slice. {@code slice} only takes and
 * releases the slice (the broker then sends it with sendfile); {@code sliceAndCopy} also copies its bytes out of
 * the page cache, an upper bound on what a send costs.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LogReadBenchmark {
    @Param({"1048576"})
    public int maxBytes;

    private Path dir;
    private LogManager manager;
    private PartitionLog log;
    private final SplittableRandom random = new SplittableRandom(1);
    private ByteBuffer sink;

    @Setup(Level.Trial)
    public void fill() throws Exception {
        dir = Files.createTempDirectory("spindle-jmh-read-");
        TopicConfig config = TopicConfig.defaults();
        manager = LogManager.open(dir, new FlushPolicy(FlushMode.NONE, 1000, 10_000), TimeUnit.HOURS.toMillis(1),
                t -> config, Clock.systemUTC());
        log = manager.getOrCreate("bench", 0, config);
        ByteBuffer batch = Batches.direct(Batches.filled(64, 1024));
        for (int i = 0; i < 256 * 1024 * 1024 / batch.remaining(); i++) {
            log.append(batch.duplicate());
        }
        sink = ByteBuffer.allocateDirect(maxBytes + 128 * 1024);
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        manager.close();
        ScratchDirs.deleteRecursively(dir);
    }

    @Benchmark
    public int slice() {
        try (LogSlice slice = log.read(random.nextLong(log.logEndOffset()), maxBytes)) {
            return slice.sizeInBytes();
        }
    }

    @Benchmark
    public int sliceAndCopy() {
        try (LogSlice slice = log.read(random.nextLong(log.logEndOffset()), maxBytes)) {
            sink.clear();
            slice.copyTo(sink);
            return sink.position();
        }
    }
}
