package io.spindle.broker.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spindle.broker.LocalBroker;
import io.spindle.config.TopicConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch larger than its topic's segment.bytes is answered RECORD_LIST_TOO_LARGE, as Kafka answers it, so that the
 * producer fails its records at once. It was MESSAGE_TOO_LARGE, which kafka-clients answers by splitting the batch and
 * resending the halves under the batch's old sequence numbers: an idempotent producer whose later batches had been
 * appended meanwhile then got OUT_OF_ORDER_SEQUENCE_NUMBER until its delivery timeout (the 120 s "Expiring N
 * record(s) ... The request has not been sent, or no server response has been received yet" of a DumpLogSegmentsTest
 * variant: lz4 batches of 2.4 KB on a topic of segment.bytes 2048).
 */
class BatchLargerThanSegmentTest {
    @TempDir
    Path dataDir;

    @Test
    void aBatchLargerThanSegmentBytesFailsItsRecordsAtOnceWithRecordBatchTooLarge() throws Exception {
        try (LocalBroker broker = LocalBroker.start(dataDir)) {
            broker.createTopic("small", 1, Map.of(TopicConfig.SEGMENT_BYTES, "2048"));
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of(
                    ProducerConfig.LINGER_MS_CONFIG, "60000", ProducerConfig.BATCH_SIZE_CONFIG, "65536",
                    ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000", ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "70000"))) {
                for (int i = 0; i < 5; i++) {       // one batch of five 600-byte records: about 3 KB
                    sent.add(producer.send(new ProducerRecord<>("small", 0, null, new byte[600])));
                }
                producer.flush();
                for (Future<RecordMetadata> send : sent) {
                    ExecutionException failure = assertThrows(ExecutionException.class,
                            () -> send.get(10, TimeUnit.SECONDS));
                    assertInstanceOf(RecordBatchTooLargeException.class, failure.getCause(),
                            "not split and resent as after MESSAGE_TOO_LARGE");
                }
                Future<RecordMetadata> fits = producer.send(new ProducerRecord<>("small", 0, null, new byte[600]));
                producer.flush();
                assertEquals(0, fits.get(10, TimeUnit.SECONDS).offset(), "a batch that fits is taken, at the first offset");
            }
        }
    }
}
