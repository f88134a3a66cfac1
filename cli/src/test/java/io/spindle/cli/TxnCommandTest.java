package io.spindle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.test.BootstrapServers;
import io.spindle.test.EmbeddedBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** {@code spindle txn}: against a transaction kafka-clients 4.4.0 leaves open, as a producer that died would. */
@EmbeddedBroker
class TxnCommandTest {

    @Test
    void anOpenTransactionIsListedDescribedAndShownInItsPartition(@BootstrapServers String bootstrap) {
        long producerId;
        try (KafkaProducer<String, String> producer = openTransaction(bootstrap, "tx-shown", "shown")) {
            Cli.Result list = Cli.on(bootstrap, "txn", "list");
            assertEquals(0, list.status(), list::toString);
            assertEquals("TRANSACTIONAL-ID  STATE    PRODUCER-ID", list.outLines().get(0), list::toString);
            String row = list.outLines().stream().filter(l -> l.startsWith("tx-shown")).findFirst().orElseThrow();
            assertTrue(row.matches("tx-shown +Ongoing +\\d+"), row);
            producerId = Long.parseLong(row.substring(row.lastIndexOf(' ') + 1));

            Cli.Result described = Cli.on(bootstrap, "txn", "describe", "tx-shown");
            assertEquals(0, described.status(), described::toString);
            assertEquals("Transactional id tx-shown: Ongoing, producer " + producerId + " epoch 0, timeout 60000 ms",
                    described.outLines().get(0));
            assertTrue(described.outLines().get(1).startsWith("Started 20"), described::toString);
            assertEquals(List.of("TOPIC  PARTITION", "shown  0"), described.outLines().subList(2, 4));

            Cli.Result open = Cli.on(bootstrap, "txn", "open", "--topic", "shown", "--partition", "0");
            assertEquals(0, open.status(), open::toString);
            assertTrue(open.outLines().get(1).matches(producerId + " +0 +-1 +0 +20.*"), open::toString);
            producer.close(Duration.ZERO);
        }
    }

    @Test
    void abortEndsAHangingTransactionSoReadCommittedConsumersMoveOn(@BootstrapServers String bootstrap) {
        TopicPartition partition = new TopicPartition("hanging", 0);
        openTransaction(bootstrap, "tx-gone", "hanging").close(Duration.ZERO); // gone without ending it
        assertEquals(0L, readCommittedEnd(bootstrap, partition), "the open transaction holds the last stable offset");

        Cli.Result aborted = Cli.on(bootstrap, "txn", "abort", "--topic", "hanging", "--partition", "0", "--start-offset", "0");

        assertEquals(0, aborted.status(), aborted::toString);
        assertTrue(aborted.out().startsWith("Aborted the transaction of producer "), aborted::toString);
        assertTrue(aborted.out().contains("starting at offset 0 in hanging-0"), aborted::toString);
        assertEquals(2L, readCommittedEnd(bootstrap, partition), "past the record and the ABORT marker");
        Cli.Result open = Cli.on(bootstrap, "txn", "open", "--topic", "hanging", "--partition", "0");
        assertEquals(List.of("PRODUCER-ID  EPOCH  COORDINATOR-EPOCH  START-OFFSET  LAST-WRITE"), open.outLines(), open::toString);
    }

    @Test
    void abortAtAnOffsetWhereNoTransactionStartsFailsNamingTheOpenOnes(@BootstrapServers String bootstrap) {
        try (KafkaProducer<String, String> producer = openTransaction(bootstrap, "tx-kept", "kept")) {
            Cli.Result result = Cli.on(bootstrap, "txn", "abort", "--topic", "kept", "--partition", "0", "--start-offset", "7");

            assertEquals(1, result.status(), result::toString);
            assertTrue(result.err().contains("No transaction open in kept-0 starts at offset 7; open ones start at [0]"),
                    result::toString);
            producer.close(Duration.ZERO);
        }
    }

    @Test
    void describingAnUnknownTransactionalIdFailsNamingIt(@BootstrapServers String bootstrap) {
        Cli.Result result = Cli.on(bootstrap, "txn", "describe", "tx-never");

        assertEquals(1, result.status(), result::toString);
        assertTrue(result.err().contains("Describing transactional id 'tx-never' failed"), result::toString);
    }

    /** A producer with a transaction open on partition 0 of {@code topic}, holding one record written to the log. */
    private static KafkaProducer<String, String> openTransaction(String bootstrap, String transactionalId, String topic) {
        KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000), new StringSerializer(), new StringSerializer());
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(topic, 0, null, "pending"));
        producer.flush();
        return producer;
    }

    private static long readCommittedEnd(String bootstrap, TopicPartition partition) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            return consumer.endOffsets(List.of(partition)).get(partition);
        }
    }
}
