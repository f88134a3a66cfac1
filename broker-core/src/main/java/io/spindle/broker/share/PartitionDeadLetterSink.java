package io.spindle.broker.share;

import io.spindle.broker.TopicInfo;
import io.spindle.broker.data.DataPathHandlers;
import io.spindle.broker.meta.TopicRegistry;
import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.Partitions;
import io.spindle.config.ShareDeadLetterQueue;
import io.spindle.config.TopicConfig;
import io.spindle.log.LogSlice;
import io.spindle.share.DeadLetter;
import io.spindle.share.DeadLetterSink;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
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
 * ({@link DataPathHandlers#appendDurably}, as a produce with acks=all) when this broker leads the dead-letter
 * partition, else produced with acks=all to its leader ({@link DeadLetterForwarder}): a copy of the record (key,
 * value, headers) with the time it was dead-lettered as its timestamp and these headers added:
 * {@value #TOPIC}, {@value #PARTITION}, {@value #OFFSET}, {@value #TIMESTAMP} (the original's), {@value #GROUP},
 * {@value #DELIVERY_COUNT} and {@value #REASON} ({@code rejected} or {@code delivery-limit}), all UTF-8 text.
 *
 * <p>A group's Kafka dead-letter queue ({@code errors.deadletterqueue.topic.name}, KIP-1191) follows Kafka 4.4's
 * rules instead: the dead letter carries Kafka's headers {@value #KAFKA_TOPIC}, {@value #KAFKA_PARTITION},
 * {@value #KAFKA_OFFSET}, {@value #KAFKA_GROUP}, {@value #KAFKA_DELIVERY_COUNT} and {@value #KAFKA_MESSAGE} (plus
 * Spindle's above), and the record's key, value and headers only with {@code errors.deadletterqueue.copy.record.enable};
 * the topic must exist with {@code errors.deadletterqueue.group.enable=true}, or is created so when the broker's
 * {@code errors.deadletterqueue.auto.create.topics.enable} is on. A topic that does not qualify gets nothing: as in Kafka
 * the dead letter is dropped with a WARN line and the record archived (the write completes with false, which
 * {@code spindle_share_group_dead_letters_not_written_total} counts).
 *
 * <p>A dead-letter topic that does not exist is created with one partition (whatever auto.create.topics.enable says:
 * the group named it); a record of partition P goes to partition P modulo the topic's partition count, so the dead
 * letters of one partition stay in order. A topic's dead letters may not go to that topic itself nor to an internal
 * topic: that copy fails (and is retried), said in the log.
 *
 * <p>Runs on the share coordinator's thread; reading the record and creating a topic touch the disk, appending does
 * not block (the partition's writer thread does it, or the forwarder's thread the produce to another broker).
 */
final class PartitionDeadLetterSink implements DeadLetterSink {
    static final String TOPIC = "spindle.dlq.topic";
    static final String PARTITION = "spindle.dlq.partition";
    static final String OFFSET = "spindle.dlq.offset";
    static final String TIMESTAMP = "spindle.dlq.timestamp";
    static final String GROUP = "spindle.dlq.group";
    static final String DELIVERY_COUNT = "spindle.dlq.delivery.count";
    static final String REASON = "spindle.dlq.reason";
    static final String KAFKA_TOPIC = "__dlq.errors.topic";
    static final String KAFKA_PARTITION = "__dlq.errors.partition";
    static final String KAFKA_OFFSET = "__dlq.errors.offset";
    static final String KAFKA_GROUP = "__dlq.errors.group";
    static final String KAFKA_DELIVERY_COUNT = "__dlq.errors.delivery.count";
    static final String KAFKA_MESSAGE = "__dlq.errors.message";
    private static final Logger LOG = LoggerFactory.getLogger(PartitionDeadLetterSink.class);

    private final TopicRegistry topics;
    private final Partitions partitions;
    private final DataPathHandlers dataPath;
    private final DeadLetterForwarder elsewhere;
    private final Clock clock;

    PartitionDeadLetterSink(TopicRegistry topics, Partitions partitions, DataPathHandlers dataPath,
                            DeadLetterForwarder elsewhere, Clock clock) {
        this.topics = topics;
        this.partitions = partitions;
        this.dataPath = dataPath;
        this.elsewhere = elsewhere;
        this.clock = clock;
    }

    @Override
    public CompletableFuture<Boolean> write(DeadLetter letter) {
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
            return CompletableFuture.completedFuture(false);
        }
        TopicInfo topic = letter.queue().enabled() ? queueTopic(letter).orElse(null)
                : topics.topic(target).orElseGet(() -> create(target, Map.of()));
        if (topic == null) {
            return CompletableFuture.completedFuture(false);
        }
        int index = letter.partition() % topic.partitions();
        ByteBuffer copy = copy(record, letter);
        Optional<Partition> here = partitions.get(target, index).filter(Partition::isLeader);
        if (here.isPresent()) {
            return dataPath.appendDurably(here.get(), copy).thenApply(appended -> true);
        }
        return elsewhere.produce(new TopicPartition(target, index), copy).thenApply(produced -> true);
    }

    /** The group's Kafka dead-letter queue topic, created if allowed; empty (said in the log) when it does not qualify. */
    private Optional<TopicInfo> queueTopic(DeadLetter letter) {
        ShareDeadLetterQueue queue = letter.queue();
        Optional<TopicInfo> topic = topics.topic(queue.topicName());
        String refusal;
        if (topic.isEmpty() && queue.autoCreateTopicsEnable()) {
            return Optional.of(create(queue.topicName(), Map.of(TopicConfig.ERRORS_DEADLETTERQUEUE_GROUP_ENABLE, "true")));
        } else if (topic.isEmpty()) {
            refusal = "it does not exist and " + ShareDeadLetterQueue.AUTO_CREATE_TOPICS_ENABLE + " is false";
        } else if (!topic.get().config().deadLetterQueueGroupEnable()) {
            refusal = "it does not set " + TopicConfig.ERRORS_DEADLETTERQUEUE_GROUP_ENABLE + "=true";
        } else {
            return topic;
        }
        LOG.warn("Share group '{}': offset {} of {}-{} archived WITHOUT a dead letter: its dead-letter queue topic "
                        + "'{}' ({}) cannot be used: {}", letter.group(), letter.offset(), letter.topic(),
                letter.partition(), queue.topicName(), ShareDeadLetterQueue.TOPIC_NAME, refusal);
        return Optional.empty();
    }

    private TopicInfo create(String name, Map<String, String> overrides) {
        try {
            return topics.create(name, 1, overrides);
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
        boolean full = !letter.queue().enabled() || letter.queue().copyRecord();
        List<Header> headers = new ArrayList<>(full ? List.of(record.headers()) : List.of());
        if (letter.queue().enabled()) {
            headers.add(header(KAFKA_TOPIC, letter.topic()));
            headers.add(header(KAFKA_PARTITION, Integer.toString(letter.partition())));
            headers.add(header(KAFKA_OFFSET, Long.toString(letter.offset())));
            headers.add(header(KAFKA_GROUP, letter.group()));
            headers.add(header(KAFKA_DELIVERY_COUNT, Integer.toString(letter.deliveryCount())));
            headers.add(header(KAFKA_MESSAGE, letter.reason().message()));
        }
        headers.add(header(TOPIC, letter.topic()));
        headers.add(header(PARTITION, Integer.toString(letter.partition())));
        headers.add(header(OFFSET, Long.toString(letter.offset())));
        headers.add(header(TIMESTAMP, Long.toString(record.timestamp())));
        headers.add(header(GROUP, letter.group()));
        headers.add(header(DELIVERY_COUNT, Integer.toString(letter.deliveryCount())));
        headers.add(header(REASON, letter.reason().headerValue()));
        SimpleRecord copy = new SimpleRecord(clock.millis(), full && record.hasKey() ? record.key() : null,
                full && record.hasValue() ? record.value() : null, headers.toArray(new Header[0]));
        return MemoryRecords.withRecords(Compression.NONE, copy).buffer();
    }

    private static Header header(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
