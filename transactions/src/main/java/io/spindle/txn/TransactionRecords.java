package io.spindle.txn;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.apache.kafka.common.TopicPartition;

/**
 * The records of {@code __transaction_state}: key = the transactional id, value = its {@link TransactionMetadata},
 * null (a tombstone) once the id is dead. Spindle's own format, not Kafka's (the topic is internal and never read
 * by clients), big-endian, every string as an int32 length and UTF-8 bytes:
 * <pre>
 *   key,   version 0: int16 version, string transactionalId
 *   value, version 0: int16 version, int64 producerId, int16 producerEpoch, int16 lastProducerEpoch,
 *                     int32 timeoutMs, int8 state (Kafka's numbering), int64 startTimestampMs, int64 lastUpdateMs,
 *                     int32 partition count, then per partition: string topic, int32 partition,
 *                     int32 group count, then per group: string groupId
 *   value, version 1: as version 0, then int64 previousProducerId, int64 nextProducerId (transaction version 2:
 *                     the producer id that follows one whose epoch ran out, and the one before it)
 * </pre>
 * Values are written in version 1; version 0 (written before transaction version 2) reads with both ids -1.
 * Unlike Kafka's value, the groups of a transaction are kept, so that a transaction decided before a restart
 * still completes its groups' offsets afterwards.
 */
final class TransactionRecords {
    static final short KEY_VERSION = 0;
    static final short VALUE_VERSION = 1;
    private static final short FIRST_VALUE_VERSION = 0;

    private TransactionRecords() {
    }

    static byte[] key(String transactionalId) {
        byte[] id = utf8(transactionalId);
        return ByteBuffer.allocate(2 + 4 + id.length).putShort(KEY_VERSION).putInt(id.length).put(id).array();
    }

    static String readKey(ByteBuffer key) {
        ByteBuffer buffer = key.duplicate();
        short version = buffer.getShort();
        if (version != KEY_VERSION) {
            throw new IllegalArgumentException("transaction state key of unknown version " + version);
        }
        return readString(buffer);
    }

    static byte[] value(TransactionMetadata m) {
        List<byte[]> topics = new ArrayList<>();
        int size = 2 + 8 + 2 + 2 + 4 + 1 + 8 + 8 + 4 + 4 + 8 + 8;
        for (TopicPartition tp : m.partitions()) {
            byte[] topic = utf8(tp.topic());
            topics.add(topic);
            size += 4 + topic.length + 4;
        }
        List<byte[]> groups = new ArrayList<>();
        for (String group : m.groups()) {
            byte[] bytes = utf8(group);
            groups.add(bytes);
            size += 4 + bytes.length;
        }
        ByteBuffer buffer = ByteBuffer.allocate(size)
                .putShort(VALUE_VERSION)
                .putLong(m.producerId())
                .putShort(m.producerEpoch())
                .putShort(m.lastProducerEpoch())
                .putInt(m.timeoutMs())
                .put(m.state().id)
                .putLong(m.startTimestampMs())
                .putLong(m.lastUpdateMs())
                .putInt(m.partitions().size());
        int i = 0;
        for (TopicPartition tp : m.partitions()) {
            byte[] topic = topics.get(i++);
            buffer.putInt(topic.length).put(topic).putInt(tp.partition());
        }
        buffer.putInt(groups.size());
        for (byte[] group : groups) {
            buffer.putInt(group.length).put(group);
        }
        buffer.putLong(m.previousProducerId()).putLong(m.nextProducerId());
        return buffer.array();
    }

    /** @throws IllegalArgumentException naming what is wrong when the bytes are not a value of a known version */
    static TransactionMetadata readValue(String transactionalId, ByteBuffer value) {
        ByteBuffer buffer = value.duplicate();
        try {
            short version = buffer.getShort();
            if (version < FIRST_VALUE_VERSION || version > VALUE_VERSION) {
                throw new IllegalArgumentException("transaction state value of unknown version " + version);
            }
            long producerId = buffer.getLong();
            short epoch = buffer.getShort();
            short lastEpoch = buffer.getShort();
            int timeoutMs = buffer.getInt();
            TransactionState state = TransactionState.of(buffer.get());
            long start = buffer.getLong();
            long lastUpdate = buffer.getLong();
            int partitionCount = count(buffer);
            List<TopicPartition> partitions = new ArrayList<>(partitionCount);
            for (int i = 0; i < partitionCount; i++) {
                String topic = readString(buffer);
                partitions.add(new TopicPartition(topic, buffer.getInt()));
            }
            int groupCount = count(buffer);
            List<String> groups = new ArrayList<>(groupCount);
            for (int i = 0; i < groupCount; i++) {
                groups.add(readString(buffer));
            }
            long previousProducerId = version >= 1 ? buffer.getLong() : TransactionMetadata.NO_PRODUCER_ID;
            long nextProducerId = version >= 1 ? buffer.getLong() : TransactionMetadata.NO_PRODUCER_ID;
            return new TransactionMetadata(transactionalId, producerId, previousProducerId, nextProducerId, epoch,
                    lastEpoch, timeoutMs, state,
                    new LinkedHashSet<>(partitions), new LinkedHashSet<>(groups), start, lastUpdate);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("transaction state value of '" + transactionalId + "' is truncated", e);
        }
    }

    private static int count(ByteBuffer buffer) {
        int count = buffer.getInt();
        if (count < 0 || count > buffer.remaining()) {
            throw new IllegalArgumentException("transaction state value holds a count of " + count + " with "
                    + buffer.remaining() + " bytes left");
        }
        return count;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String readString(ByteBuffer buffer) {
        int length = count(buffer);
        byte[] bytes = new byte[length];
        buffer.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
