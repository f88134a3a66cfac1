package io.spindle.broker.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.broker.SpindleBroker;
import io.spindle.broker.meta.DataDirInUseException;
import io.spindle.broker.meta.DataDirLock;
import io.spindle.config.BrokerConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * One broker per data directory ({@link DataDirLock}): brokers in child JVMs ({@link BrokerProcess}) and in this
 * one. A second broker on a directory in use exits at start naming the directory and the holder's pid, without
 * touching the first; a broker killed with SIGKILL leaves no lock behind; a refused attempt in the same JVM does
 * not release the lock of the broker that holds it (POSIX locks belong to the process, so that is a real risk).
 */
class DataDirLockTest {
    private static final String TOPIC = "locked";
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(30);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path work;

    @Test
    void aSecondBrokerOnTheSameDirectoryExitsAtStartNamingTheDirectoryAndTheHoldersPid() throws Exception {
        Path dataDir = Files.createDirectory(work.resolve("data"));
        try (BrokerProcess first = new BrokerProcess(dataDir, Files.createDirectory(work.resolve("first")), Map.of());
             BrokerProcess second = new BrokerProcess(dataDir, Files.createDirectory(work.resolve("second")), Map.of())) {
            first.start();
            assertEquals(0, produce(first, "before").offset());

            int status = second.startExpectingExit(EXIT_TIMEOUT);

            assertEquals(1, status, second.tail());
            assertRefusedNaming(second, dataDir, first.pid());
            assertTrue(second.logLinesContaining("serving on").isEmpty(), second.tail());
            // The first broker did not notice: it serves and its log goes on where it was.
            assertEquals(1, produce(first, "after").offset());
            assertEquals(2, LogReader.readAll(first.bootstrapServers(), TOPIC, 1).get(0).size());
        }
    }

    @Test
    void aBrokerKilledWithSigkillLeavesNoLockThatBlocksItsRestart() throws Exception {
        Path dataDir = Files.createDirectory(work.resolve("data"));
        try (BrokerProcess broker = new BrokerProcess(dataDir, Files.createDirectory(work.resolve("broker")), Map.of());
             BrokerProcess other = new BrokerProcess(dataDir, Files.createDirectory(work.resolve("other")), Map.of())) {
            broker.start();
            long killedPid = broker.pid();
            produce(broker, "survivor");
            broker.kill();
            // The file stays, naming a process that is gone; only the OS lock mattered, and it went with the process.
            Path lockFile = dataDir.resolve(DataDirLock.FILE_NAME);
            assertEquals(Long.toString(killedPid), Files.readString(lockFile, StandardCharsets.US_ASCII).strip());

            broker.start();

            assertEquals(1, produce(broker, "after restart").offset());
            assertEquals(2, LogReader.readAll(broker.bootstrapServers(), TOPIC, 1).get(0).size());
            // The restarted broker holds the lock again, under its own pid.
            assertEquals(1, other.startExpectingExit(EXIT_TIMEOUT), other.tail());
            assertRefusedNaming(other, dataDir, broker.pid());
        }
    }

    @Test
    void aSecondBrokerInTheSameJvmIsRefusedAndTheFirstKeepsItsLock() throws Exception {
        Path dataDir = work.resolve("data");
        try (LocalBroker first = LocalBroker.start(dataDir);
             BrokerProcess child = new BrokerProcess(dataDir, Files.createDirectory(work.resolve("child")), Map.of())) {
            long pid = ProcessHandle.current().pid();

            DataDirInUseException refused = assertThrows(DataDirInUseException.class,
                    () -> SpindleBroker.start(first.config()));

            assertEquals("The data directory " + dataDir.toAbsolutePath() + " is in use by another broker in this "
                    + "process (pid " + pid + "); stop that broker or give this one another data.dir",
                    refused.getMessage());
            assertEquals(pid, refused.holderPid());
            // Had the refused attempt opened and closed the lock file, the OS would have dropped this JVM's lock.
            assertEquals(1, child.startExpectingExit(EXIT_TIMEOUT), child.tail());
            assertRefusedNaming(child, dataDir.toAbsolutePath(), pid);
            assertTrue(first.admin().listTopics().names().get().isEmpty(), "the first broker no longer serves");
        }
        // Closed: the lock is released, and a broker in this JVM takes the directory again.
        try (LocalBroker again = LocalBroker.start(dataDir)) {
            assertTrue(again.admin().listTopics().names().get().isEmpty());
        }
    }

    @Test
    void aStartThatFailsReleasesTheLock() throws Exception {
        Path dataDir = work.resolve("data");
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            // Netty's epoll transport throws the bind error as an undeclared checked exception.
            Exception failure = assertThrows(Exception.class, () -> LocalBroker.start(dataDir,
                    Map.of(BrokerConfig.LISTENER_PORT, Integer.toString(taken.getLocalPort()))));
            assertTrue(failure.getMessage().contains("in use"), failure.toString());
        }
        try (LocalBroker broker = LocalBroker.start(dataDir)) {
            assertTrue(broker.admin().listTopics().names().get().isEmpty());
        }
    }

    /** The child's log names the directory and the pid, on one line (the exception's, under the stack trace). */
    private static void assertRefusedNaming(BrokerProcess refused, Path dataDir, long holderPid) throws IOException {
        String expected = "The data directory " + dataDir + " is in use by another broker (pid " + holderPid + ")";
        List<String> lines = refused.logLinesContaining("is in use by");
        assertEquals(1, lines.size(), refused.tail());
        assertTrue(lines.get(0).contains(expected), lines.get(0));
    }

    /** One record to the topic (auto-created), acks=all; its metadata. */
    private static RecordMetadata produce(BrokerProcess broker, String value) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            return producer.send(new ProducerRecord<>(TOPIC, 0, value, value)).get();
        }
    }
}
