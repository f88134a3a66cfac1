package io.spindle.share;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.Uuid;

/**
 * The record format of {@code __share_group_state} (Spindle's own, not Kafka's): one record per share-partition,
 * keyed by group, topic id and partition, whose value is the partition's whole state; the last record of a key wins
 * and a null value (tombstone) deletes it, so the topic compacts to one record per share-partition.
 *
 * <pre>
 * key   v0: int16 version(0) | string group | uuid topic id (2 x int64) | int32 partition
 * value v0: int16 version(0) | int64 start offset | int32 run count | runs
 * run      : int64 first offset | int64 last offset | int8 state | int16 delivery count
 * string   : int16 length | UTF-8 bytes
 *
 * group config key   v1: int16 version(1) | string group          (the key version says which record it is)
 * group config value v0: int16 version(0) | int32 count | count x (string name | string value)
 * </pre>
 * Runs cover the in-flight window from the start offset without holes; state codes are {@link RecordState}
 * ordinals 0 to 3 (acquired is never stored: it is stored as available with its delivery count), and for
 * {@link RecordState#DEAD_LETTERING} 4 (rejected) or 5 (over the delivery limit): {@value #DEAD_LETTERING_CODE} plus
 * the {@link DeadLetterReason} ordinal. A state log without codes 4 and 5 (before dead letters) reads unchanged.
 */
public final class ShareStateRecords {
    private static final short KEY_VERSION = 0;
    private static final short GROUP_CONFIG_KEY_VERSION = 1;
    private static final short VALUE_VERSION = 0;
    private static final RecordState[] STATES = RecordState.values();
    private static final int DEAD_LETTERING_CODE = 4;
    private static final DeadLetterReason[] REASONS = DeadLetterReason.values();

    /** Which share-partition a record is about. */
    public record Key(String group, Uuid topicId, int partition) {
    }

    /**
     * Records of equal state and delivery count, {@code firstOffset} to {@code lastOffset} inclusive; {@code reason}
     * only for {@link RecordState#DEAD_LETTERING}, else null.
     */
    public record Run(long firstOffset, long lastOffset, RecordState state, int deliveryCount, DeadLetterReason reason) {
        public Run {
            if ((state == RecordState.DEAD_LETTERING) != (reason != null)) {
                throw new IllegalArgumentException("a run of " + state + " records with dead-letter reason " + reason);
            }
        }

        /** A run of records that are not being dead-lettered. */
        public Run(long firstOffset, long lastOffset, RecordState state, int deliveryCount) {
            this(firstOffset, lastOffset, state, deliveryCount, null);
        }

        int code() {
            return state == RecordState.DEAD_LETTERING ? DEAD_LETTERING_CODE + reason.ordinal() : state.ordinal();
        }
    }

    /** A share-partition's stored state. */
    public record Snapshot(long startOffset, List<Run> runs) {
        public Snapshot {
            runs = List.copyOf(runs);
        }
    }

    private ShareStateRecords() {
    }

    /**
     * The stored code of a run's state (the {@code int8 state} above), which the share coordinator's Read and Write
     * requests carry between Spindle brokers as their delivery state.
     */
    public static byte stateCode(Run run) {
        return (byte) run.code();
    }

    /**
     * A run read back from its stored state code.
     *
     * @throws IllegalArgumentException for a code this version does not know, or first after last
     */
    public static Run run(long firstOffset, long lastOffset, int stateCode, int deliveryCount) {
        if (stateCode < 0 || stateCode >= DEAD_LETTERING_CODE + REASONS.length) {
            throw new IllegalArgumentException("unknown record state " + stateCode + " at offset " + firstOffset);
        }
        if (firstOffset > lastOffset) {
            throw new IllegalArgumentException("a run from offset " + firstOffset + " to " + lastOffset);
        }
        return stateCode < DEAD_LETTERING_CODE ? new Run(firstOffset, lastOffset, STATES[stateCode], deliveryCount)
                : new Run(firstOffset, lastOffset, RecordState.DEAD_LETTERING, deliveryCount,
                        REASONS[stateCode - DEAD_LETTERING_CODE]);
    }

    public static byte[] key(Key key) {
        byte[] group = key.group().getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(2 + 2 + group.length + 16 + 4);
        buffer.putShort(KEY_VERSION).putShort((short) group.length).put(group)
                .putLong(key.topicId().getMostSignificantBits()).putLong(key.topicId().getLeastSignificantBits())
                .putInt(key.partition());
        return buffer.array();
    }

    /** @throws IllegalArgumentException for a key this version cannot read */
    public static Key readKey(ByteBuffer bytes) {
        ByteBuffer buffer = bytes.duplicate();
        try {
            short version = buffer.getShort();
            if (version != KEY_VERSION) {
                throw new IllegalArgumentException("unknown share state key version " + version);
            }
            byte[] group = new byte[buffer.getShort()];
            buffer.get(group);
            Uuid topicId = new Uuid(buffer.getLong(), buffer.getLong());
            return new Key(new String(group, StandardCharsets.UTF_8), topicId, buffer.getInt());
        } catch (BufferUnderflowException | NegativeArraySizeException e) {
            throw new IllegalArgumentException("truncated share state key", e);
        }
    }

    /** Whether {@code bytes} is the key of a group's configs (else it is a share-partition's). */
    public static boolean isGroupConfigKey(ByteBuffer bytes) {
        return bytes.remaining() >= 2 && bytes.getShort(bytes.position()) == GROUP_CONFIG_KEY_VERSION;
    }

    public static byte[] groupConfigKey(String group) {
        byte[] name = group.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + 2 + name.length).putShort(GROUP_CONFIG_KEY_VERSION).putShort((short) name.length)
                .put(name).array();
    }

    /** @throws IllegalArgumentException for a truncated key */
    public static String readGroupConfigKey(ByteBuffer bytes) {
        ByteBuffer buffer = bytes.duplicate();
        try {
            buffer.getShort();
            return readString(buffer);
        } catch (BufferUnderflowException | NegativeArraySizeException e) {
            throw new IllegalArgumentException("truncated group config key", e);
        }
    }

    public static byte[] groupConfigValue(Map<String, String> configs) {
        List<byte[]> parts = new ArrayList<>();
        int size = 2 + 4;
        for (Map.Entry<String, String> e : configs.entrySet()) {
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            byte[] value = e.getValue().getBytes(StandardCharsets.UTF_8);
            parts.add(name);
            parts.add(value);
            size += 4 + name.length + value.length;
        }
        ByteBuffer buffer = ByteBuffer.allocate(size).putShort(VALUE_VERSION).putInt(configs.size());
        for (byte[] part : parts) {
            buffer.putShort((short) part.length).put(part);
        }
        return buffer.array();
    }

    /** @throws IllegalArgumentException for a value this version cannot read */
    public static Map<String, String> readGroupConfigValue(ByteBuffer bytes) {
        ByteBuffer buffer = bytes.duplicate();
        try {
            short version = buffer.getShort();
            if (version != VALUE_VERSION) {
                throw new IllegalArgumentException("unknown group config value version " + version);
            }
            int count = buffer.getInt();
            if (count < 0 || count > buffer.remaining() / 4) {
                throw new IllegalArgumentException("group config value claims " + count + " configs in "
                        + buffer.remaining() + " bytes");
            }
            Map<String, String> configs = new TreeMap<>();
            for (int i = 0; i < count; i++) {
                configs.put(readString(buffer), readString(buffer));
            }
            return configs;
        } catch (BufferUnderflowException | NegativeArraySizeException e) {
            throw new IllegalArgumentException("truncated group config value", e);
        }
    }

    private static String readString(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.getShort()];
        buffer.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    public static byte[] value(Snapshot snapshot) {
        ByteBuffer buffer = ByteBuffer.allocate(2 + 8 + 4 + snapshot.runs().size() * (8 + 8 + 1 + 2));
        buffer.putShort(VALUE_VERSION).putLong(snapshot.startOffset()).putInt(snapshot.runs().size());
        for (Run run : snapshot.runs()) {
            buffer.putLong(run.firstOffset()).putLong(run.lastOffset()).put((byte) run.code())
                    .putShort((short) run.deliveryCount());
        }
        return buffer.array();
    }

    /** @throws IllegalArgumentException for a value this version cannot read */
    public static Snapshot readValue(ByteBuffer bytes) {
        ByteBuffer buffer = bytes.duplicate();
        try {
            short version = buffer.getShort();
            if (version != VALUE_VERSION) {
                throw new IllegalArgumentException("unknown share state value version " + version);
            }
            long start = buffer.getLong();
            int count = buffer.getInt();
            if (count < 0 || count > buffer.remaining() / 19) {
                throw new IllegalArgumentException("share state value claims " + count + " runs in "
                        + buffer.remaining() + " bytes");
            }
            List<Run> runs = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                long first = buffer.getLong();
                long last = buffer.getLong();
                int state = buffer.get();
                if (state < 0 || state >= DEAD_LETTERING_CODE + REASONS.length) {
                    throw new IllegalArgumentException("unknown record state " + state + " at offset " + first);
                }
                short deliveries = buffer.getShort();
                runs.add(state < DEAD_LETTERING_CODE ? new Run(first, last, STATES[state], deliveries)
                        : new Run(first, last, RecordState.DEAD_LETTERING, deliveries, REASONS[state - DEAD_LETTERING_CODE]));
            }
            return new Snapshot(start, runs);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated share state value", e);
        }
    }
}
