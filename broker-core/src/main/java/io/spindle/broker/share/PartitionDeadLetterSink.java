package io.spindle.broker.share;

import io.spindle.broker.TopicInfo;
import io.spindle.broker.data.DataPathHandlers;
import io.spindle.broker.meta.TopicRegistry;
import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.Partitions;
import io.spindle.log.LogSlice;
import io.spindle.share.DeadLetter;
import io.spindle.share.DeadLetterSink;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Share groups' dead letters, appended to their dead-letter topic through the normal partition append path
 * ({@link DataPathHandlers#appendDurably}, as a produce with acks=all): a copy of the record (key, value, headers) with
 * the time it was dead-lettered as its timestamp and these headers added:
 * {@value #TOPIC}, {@value #PARTITION}, {@value #OFFSET}, {@value #TIMESTAMP} (the original's), {@value #GROUP},
 * {@value #DELIVERY_COUNT} and {@value #REASON} ({@code rejected} or {@code delivery-limit}), all UTF-8 text.
 *
 * <p>A dead-letter topic that does not exist is created with one partition (whatever auto.create.topics.enable says:
 * the group named it); a record of partition P goes to partition P modulo the topic's partition count, so the dead
 * letters of one partition stay in order. A topic's dead letters may not go to that topic itself nor to an internal
 * topic: that copy fails (and is retried), said in the log.
 *
 * <p>Runs on the share coordinator's thread; reading the record and creating a topic touch the disk, appending does
 * not block (the partition's writer thread does it).
 */
final class PartitionDeadLetterSink implements DeadLetterSink {
    static final String TOPIC = "spindle.dlq.topic";
    static final String PARTITION = "spindle.dlq.partition";
    static final String OFFSET = "spindle.dlq.offset";
    static final String TIMESTAMP = "spindle.dlq.timestamp";
    static final String GROUP = "spindle.dlq.group";
    static final String DELIVERY_COUNT = "spindle.dlq.delivery.count";
    static final String REASON = "spindle.dlq.reason";
    private static final Logger LOG = LoggerFactory.getLogger(PartitionDeadLetterSink.class);

    private final TopicRegistry topics;
    private final Partitions partitions;
    private final DataPathHandlers dataPath;
    private final Clock clock;

    PartitionDeadLetterSink(TopicRegistry topics, Partitions partitions, DataPathHandlers dataPath, Clock clock) {
        this.topics = topics;
        this.partitions = partitions;
        this.dataPath = dataPath;
        this.clock = clock;
    }

    @Override
    public CompletableFuture<Void> write(DeadLetter letter) {
        String target = letter.deadLetterTopic();
        if (target.equals(letter.topic()) || TopicRegistry.isInternal(target)) {
            return CompletableFuture.failedFuture(new InvalidTopicException("share group '" + letter.group()
                    + "' cannot dead-letter records of '" + letter.topic() + "' to '" + target
                    + "': not to the topic itself nor to an internal topic; set another dead-letter topic"));
        }
        Partition source = partitions.get(letter.topic(), letter.partition()).orElse(null);
        Record record = source == null ? null : find(source, letter.offset());
        if (record == null) {
            LOG.info("Share group '{}': offset {} of {}-{} holds no record any more; nothing to dead-letter",
                    letter.group(), letter.offset(), letter.topic(), letter.partition());
            return CompletableFuture.completedFuture(null);
        }
        TopicInfo topic = topics.topic(target).orElseGet(() -> create(target));
        Partition destination = partitions.get(target, letter.partition() % topic.partitions()).orElseThrow(() ->
                new IllegalStateException("dead-letter topic '" + target + "' has no partition "
                        + letter.partition() % topic.partitions() + " here"));
        return dataPath.appendDurably(destination, copy(record, letter)).thenApply(appended -> null);
    }

    private TopicInfo create(String name) {
        try {
            return topics.create(name, 1, Map.of());
        } catch (TopicExistsException raced) {
            return topics.topic(name).orElseThrow(() -> raced);
        }
    }

    /** The record at {@code offset}, or null when the log has none there (removed, compacted, a control record). */
    private static Record find(Partition source, long offset) {
        if (offset < source.logStartOffset() || offset >= source.highWatermark()) {
            return null;
        }
        Record[] found = {null};
        try (LogSlice slice = source.read(offset, 1, IsolationLevel.READ_UNCOMMITTED)) {
            if (slice.isEmpty()) {
                return null;
            }
            slice.forEachBatch(header -> {
                if (found[0] != null || header.isControl() || header.lastOffset() < offset) {
                    return;
                }
                for (RecordBatch batch : MemoryRecords.readableRecords(slice.copyBatch(header)).batches()) {
                    for (Record record : batch) {
                        if (record.offset() == offset) {
                            found[0] = record;
                        }
                    }
                }
            });
        }
        return found[0];
    }

    private ByteBuffer copy(Record record, DeadLetter letter) {
        List<Header> headers = new ArrayList<>(List.of(record.headers()));
        headers.add(header(TOPIC, letter.topic()));
        headers.add(header(PARTITION, Integer.toString(letter.partition())));
        headers.add(header(OFFSET, Long.toString(letter.offset())));
        headers.add(header(TIMESTAMP, Long.toString(record.timestamp())));
        headers.add(header(GROUP, letter.group()));
        headers.add(header(DELIVERY_COUNT, Integer.toString(letter.deliveryCount())));
        headers.add(header(REASON, letter.reason().headerValue()));
        SimpleRecord copy = new SimpleRecord(clock.millis(), record.hasKey() ? record.key() : null,
                record.hasValue() ? record.value() : null, headers.toArray(new Header[0]));
        return MemoryRecords.withRecords(Compression.NONE, copy).buffer();
    }

    private static Header header(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
