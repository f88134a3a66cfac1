package io.spindle.broker.fault;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Files damaged before a start — segments, offset and time indexes, the checkpoint, cut or overwritten at random
 * (seeded) positions: the broker starts, cuts the log at the first damaged batch with a log line, rebuilds what
 * it cannot trust, and serves exactly the records before the damage, each at its offset.
 *
 * <p>Two images of one partition are damaged: a crash image (copied while the broker ran: the checkpoint vouches
 * for nothing, so the active segment is checked batch by batch with its CRC at start) and a clean image (closed
 * cleanly: the checkpoint vouches for the active segment, so only its batch headers and index entries are checked at
 * start). In both, the sealed segments are taken at the word of their seals at start (their length and offsets) and
 * checked batch by batch with their CRCs just after it, by the background check or the first read: damage found then
 * takes the partition offline, and the broker is restarted, as an operator would, to cut the log at the damage.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CorruptionTest {
    private static final String TOPIC = "corrupt";
    private static final int RECORDS = 3000;

    private Path work;
    private Path crashImage;
    private Path cleanImage;
    private List<String> original;

    enum Damage { CUT_SEGMENT, CUT_SEGMENT_AT_A_BATCH_END, OVERWRITE_SEGMENT, CUT_INDEX, OVERWRITE_INDEX, CUT_TIME_INDEX, OVERWRITE_TIME_INDEX,
        DELETE_INDEX, CUT_CHECKPOINT, OVERWRITE_CHECKPOINT }

    /** One batch as the image holds it. */
    private record Batch(Path file, int position, int size, long baseOffset) {
    }

    @BeforeAll
    void writeImages() throws Exception {
        work = Files.createTempDirectory("spindle-corruption");
        Path live = work.resolve("live");
        try (LocalBroker broker = LocalBroker.start(live, Map.of("flush.mode", "fsync", "log.segment.bytes", "16384"))) {
            broker.admin().createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(TOPIC, 1, (short) 1)))
                    .all().get();
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.LINGER_MS_CONFIG, "1");
            p.put(ProducerConfig.BATCH_SIZE_CONFIG, "2048");
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < RECORDS; i++) {
                    producer.send(new ProducerRecord<>(TOPIC, 0, ("k" + i).getBytes(), ("value-" + i + "-".repeat(100)).getBytes()));
                }
                producer.flush();
            }
            original = read(broker.bootstrapServers());
            crashImage = copy(live, work.resolve("crash-image"));   // the broker still runs: as after a crash
        }
        cleanImage = copy(live, work.resolve("clean-image"));
        assertEquals(RECORDS, original.size());
        assertTrue(batches(cleanImage).stream().map(Batch::file).distinct().count() > 5, "too few segments");
    }

    @AfterAll
    void removeImages() throws IOException {
        deleteTree(work);
    }

    static Stream<Object[]> damages() {
        return damages(0, 1);
    }

    static Stream<Object[]> moreDamages() {
        return damages(1, 10);
    }

    private static Stream<Object[]> damages(int fromSeed, int toSeed) {
        return Stream.of(Damage.values()).flatMap(d -> IntStream.range(fromSeed, toSeed).boxed()
                .flatMap(seed -> Stream.of(new Object[] {d, "crash", seed}, new Object[] {d, "clean", seed})));
    }

    @ParameterizedTest(name = "{0} in the {1} image, seed {2}")
    @MethodSource("damages")
    void theBrokerStartsOnDamagedFilesAndServesExactlyTheRecordsBeforeTheDamage(Damage damage, String image, int seed)
            throws Exception {
        startOnDamagedFiles(damage, image, seed);
    }

    /** The same with nine more seeds per damage: {@code mvn -o -pl broker-core verify -Plong -Dtest=CorruptionTest}. */
    @ParameterizedTest(name = "{0} in the {1} image, seed {2}")
    @MethodSource("moreDamages")
    @org.junit.jupiter.api.Tag("long")
    void moreSeedsOfDamagedFilesServeExactlyTheRecordsBeforeTheDamage(Damage damage, String image, int seed)
            throws Exception {
        startOnDamagedFiles(damage, image, seed);
    }

    private void startOnDamagedFiles(Damage damage, String image, int seed) throws Exception {
        boolean crash = image.equals("crash");
        Random random = new Random(seed * 1000L + damage.ordinal() * 10L + (crash ? 1 : 0));
        Path dataDir = copy(crash ? crashImage : cleanImage, work.resolve("run-" + damage + "-" + crash + "-" + seed));
        List<Batch> batches = batches(dataDir);
        long damagedFrom = damage(damage, dataDir, batches, random, crash);

        String logged;
        List<String> served;
        boolean foundAfterStart;
        try (CapturedStderr captured = new CapturedStderr();
             LocalBroker broker = LocalBroker.start(dataDir, Map.of("flush.mode", "fsync", "log.segment.bytes", "16384"))) {
            // The background check of the sealed segments ends with one line, damage or not.
            await().atMost(Duration.ofSeconds(30)).until(() -> captured.text().contains("LogManager - checked "));
            foundAfterStart = captured.text().contains("ERROR io.spindle.log.PartitionLog - " + TOPIC + "-0: the check of");
            if (!foundAfterStart) {
                logged = captured.text();
                served = read(broker.bootstrapServers());
                seekToEveryHundredthOffset(broker.bootstrapServers(), served);
                assertServedExactlyTheRecordsBeforeTheDamage(damage, damagedFrom, logged, served);
                deleteTree(dataDir);
                return;
            }
        }
        // Damage in a sealed segment, found after the start: the partition went offline; a restart cuts the log there.
        try (CapturedStderr captured = new CapturedStderr();
             LocalBroker broker = LocalBroker.start(dataDir, Map.of("flush.mode", "fsync", "log.segment.bytes", "16384"))) {
            logged = captured.text();
            served = read(broker.bootstrapServers());
            seekToEveryHundredthOffset(broker.bootstrapServers(), served);
        }
        assertServedExactlyTheRecordsBeforeTheDamage(damage, damagedFrom, logged, served);
        deleteTree(dataDir);
    }

    private void assertServedExactlyTheRecordsBeforeTheDamage(Damage damage, long damagedFrom, String logged,
                                                              List<String> served) {
        long expected = Math.min(damagedFrom, RECORDS);
        assertEquals(original.subList(0, (int) expected), served, "served records after " + damage);
        if (expected < RECORDS) {
            assertTrue(logged.contains("WARN io.spindle.log.PartitionLog - " + TOPIC + "-0: truncated"),
                    "no log line says where the log was cut:\n" + logged);
        } else {
            assertFalse(logged.contains(TOPIC + "-0: truncated"), "a log without damaged batches was cut:\n" + logged);
        }
    }

    /** Damages the image; returns the first offset the damage makes unservable (Long.MAX_VALUE for none). */
    private static long damage(Damage damage, Path dataDir, List<Batch> batches, Random random, boolean crash)
            throws IOException {
        Path partition = dataDir.resolve(TOPIC + "-0");
        List<Path> segments = batches.stream().map(Batch::file).distinct().toList();
        Path segment = segments.get(random.nextInt(segments.size()));
        int content = batches.stream().filter(b -> b.file().equals(segment)).mapToInt(b -> b.position() + b.size()).max().orElse(0);
        switch (damage) {
            case CUT_SEGMENT -> {
                int cut = random.nextInt(content);
                try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
                    f.setLength(cut);
                }
                return batches.stream().filter(b -> b.file().equals(segment) && b.position() + b.size() > cut)
                        .mapToLong(Batch::baseOffset).min().orElse(Long.MAX_VALUE);
            }
            case CUT_SEGMENT_AT_A_BATCH_END -> {
                // Not the last segment, nor its last batch: the file stays a whole sequence of batches, only shorter,
                // and the offsets of the next segment no longer follow on. (The last segment cut at a batch end is
                // just a shorter log, as a crash before those appends leaves it: nothing to detect.)
                Path notLast = segments.get(random.nextInt(segments.size() - 1));
                List<Batch> inSegment = batches.stream().filter(b -> b.file().equals(notLast)).toList();
                Batch b = inSegment.get(random.nextInt(inSegment.size() - 1));
                try (RandomAccessFile f = new RandomAccessFile(notLast.toFile(), "rw")) {
                    f.setLength(b.position() + b.size());
                }
                return inSegment.get(inSegment.indexOf(b) + 1).baseOffset();
            }
            case OVERWRITE_SEGMENT -> {
                // A clean image's active segment is vouched for by the checkpoint and only its batch headers are
                // checked at start: there the damage hits a header field that walk reads (length, base offset, magic).
                int at;
                byte[] bytes;
                if (crash) {
                    at = random.nextInt(content);
                    bytes = new byte[1 + random.nextInt(Math.min(8, content - at))];
                } else {
                    List<Batch> inSegment = batches.stream().filter(b -> b.file().equals(segment)).toList();
                    Batch b = inSegment.get(random.nextInt(inSegment.size()));
                    int[] fields = {0, 8, 16};
                    at = b.position() + fields[random.nextInt(fields.length)];
                    bytes = new byte[1];
                }
                byte[] old = new byte[bytes.length];
                try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
                    f.seek(at);
                    f.readFully(old);
                    do {
                        random.nextBytes(bytes);
                    } while (differsOnlyInLeaderEpoch(bytes, old, at, batches, segment));
                    f.seek(at);
                    f.write(bytes);
                }
                long first = Long.MAX_VALUE;
                for (int i = 0; i < bytes.length; i++) {
                    int pos = at + i;
                    if (bytes[i] == old[i]) {
                        continue;
                    }
                    Batch b = batchAt(batches, segment, pos);
                    if (pos - b.position() >= 12 && pos - b.position() < 16) {
                        continue; // the partition leader epoch is outside the CRC, as in Kafka
                    }
                    first = Math.min(first, b.baseOffset());
                }
                return first;
            }
            case CUT_INDEX, CUT_TIME_INDEX -> {
                Path index = indexOf(segment, damage == Damage.CUT_INDEX ? ".index" : ".timeindex");
                if (Files.exists(index)) {
                    try (RandomAccessFile f = new RandomAccessFile(index.toFile(), "rw")) {
                        f.setLength(f.length() == 0 ? 0 : random.nextInt((int) f.length()));
                    }
                }
                return Long.MAX_VALUE;
            }
            case OVERWRITE_INDEX, OVERWRITE_TIME_INDEX -> {
                Path index = indexOf(segment, damage == Damage.OVERWRITE_INDEX ? ".index" : ".timeindex");
                if (Files.exists(index) && Files.size(index) > 0) {
                    overwrite(index, random, 1 + random.nextInt(8));
                }
                return Long.MAX_VALUE;
            }
            case DELETE_INDEX -> {
                Files.deleteIfExists(indexOf(segment, ".index"));
                return Long.MAX_VALUE;
            }
            case CUT_CHECKPOINT -> {
                Path checkpoint = vouching(dataDir, partition, crash);
                try (RandomAccessFile f = new RandomAccessFile(checkpoint.toFile(), "rw")) {
                    f.setLength(random.nextInt((int) f.length()));
                }
                return Long.MAX_VALUE;
            }
            case OVERWRITE_CHECKPOINT -> {
                overwrite(vouching(dataDir, partition, crash), random, 1 + random.nextInt(4));
                return Long.MAX_VALUE;
            }
            default -> throw new IllegalArgumentException(damage.toString());
        }
    }

    /**
     * The file that tells the start how far the log can be trusted: the partition's own checkpoint when it has one,
     * else the data directory's record (the clean stop's in the clean image, the recovery points in the crash image):
     * a new log writes no checkpoint of its own, and the periodic ones gave way to the recovery points.
     */
    private static Path vouching(Path dataDir, Path partition, boolean crash) {
        Path own = partition.resolve("checkpoint");
        if (Files.exists(own)) {
            return own;
        }
        Path record = dataDir.resolve(crash ? "recovery-points" : "clean-shutdown");
        assertTrue(Files.exists(record), "nothing vouches for " + partition + ": no checkpoint, no " + record);
        return record;
    }

    private static boolean differsOnlyInLeaderEpoch(byte[] bytes, byte[] old, int at, List<Batch> batches, Path segment) {
        for (int i = 0; i < bytes.length; i++) {
            Batch b = batchAt(batches, segment, at + i);
            int inBatch = at + i - b.position();
            if (bytes[i] != old[i] && (inBatch < 12 || inBatch >= 16)) {
                return false;
            }
        }
        return true;
    }

    private static Batch batchAt(List<Batch> batches, Path segment, int position) {
        return batches.stream().filter(b -> b.file().equals(segment) && b.position() <= position
                && position < b.position() + b.size()).findFirst().orElseThrow();
    }

    private static Path indexOf(Path segment, String suffix) {
        String name = segment.getFileName().toString();
        return segment.resolveSibling(name.substring(0, name.length() - ".log".length()) + suffix);
    }

    private static void overwrite(Path file, Random random, int length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            int at = random.nextInt((int) f.length());
            byte[] bytes = new byte[(int) Math.min(length, f.length() - at)];
            random.nextBytes(bytes);
            f.seek(at);
            f.write(bytes);
        }
    }

    /** Every batch of the partition in log order, read from the files' headers up to the first zero length. */
    private static List<Batch> batches(Path dataDir) throws IOException {
        List<Batch> batches = new ArrayList<>();
        List<Path> segments;
        try (Stream<Path> files = Files.list(dataDir.resolve(TOPIC + "-0"))) {
            segments = files.filter(f -> f.toString().endsWith(".log")).sorted().toList();
        }
        for (Path segment : segments) {
            ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(segment));
            int position = 0;
            while (position + 61 <= bytes.limit() && bytes.getInt(position + 8) > 0) {
                int size = 12 + bytes.getInt(position + 8);
                batches.add(new Batch(segment, position, size, bytes.getLong(position)));
                position += size;
            }
        }
        return batches;
    }

    private static List<String> read(String bootstrap) {
        List<String> keys = new ArrayList<>();
        for (AckLedger.Stored s : LogReader.readAll(bootstrap, TOPIC, 1).get(0)) {
            assertEquals(keys.size(), s.offset(), "offsets are dense from 0");
            keys.add(s.key());
        }
        return keys;
    }

    /** Fetches from offsets in the middle of the log: the offset index (trusted or rebuilt) finds each one. */
    private static void seekToEveryHundredthOffset(String bootstrap, List<String> served) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
        TopicPartition tp = new TopicPartition(TOPIC, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(tp));
            for (int offset = 0; offset < served.size(); offset += 100) {
                consumer.seek(tp, offset);
                List<ConsumerRecord<byte[], byte[]>> records = List.of();
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (records.isEmpty() && System.nanoTime() < deadline) {
                    records = consumer.poll(Duration.ofMillis(200)).records(tp);
                }
                assertFalse(records.isEmpty(), "nothing fetched from offset " + offset);
                assertEquals(offset, records.get(0).offset());
                assertEquals(served.get(offset), new String(records.get(0).key()));
            }
        }
    }

    private static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path source : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
        return to;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
