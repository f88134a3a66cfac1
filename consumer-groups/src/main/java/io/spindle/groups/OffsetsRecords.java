package io.spindle.groups;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The key and value format of the records in {@code __consumer_offsets} (Spindle's own, not Kafka's).
 *
 * <p>Key: a 2-byte type, then for {@link #OFFSET_KEY} the group id, topic and partition; for
 * {@link #GROUP_KEY} (a classic group) and {@link #CONSUMER_GROUP_KEY} (a KIP-848 group) the group id; for
 * {@link #TRANSACTIONAL_OFFSET_KEY} (an offset committed in a transaction not yet complete; its value is an offset
 * value) the group id, the producer id (8 bytes), topic and partition; for {@link #GROUP_CONFIG_KEY} (a KIP-848
 * group's configs, kept whether or not the group exists) the group id. A broker from before transactions (or
 * before group configs) stops at a key of that type, naming it. Strings are a 2-byte length and UTF-8 bytes (-1 for null); byte arrays a
 * 4-byte length (-1 for null). A record with a null value is a tombstone: the key is gone.
 *
 * <p>Values start with a 2-byte version. Version 0 of an offset value: offset (8), leader epoch (4), metadata
 * (string), commit timestamp (8). Version 0 of a group value (a classic group, written when a generation
 * completes or the group empties): protocol type, generation, protocol name, leader, then the members, each
 * with member id, instance id, client id, client host, rebalance and session timeouts, its protocols (name and
 * metadata) and its assignment. Version 0 of a group config value: a count, then each config's name and value
 * (strings). A reader skips a value whose version it does not know, naming it in the error.
 */
final class OffsetsRecords {
    static final short OFFSET_KEY = 0;
    static final short GROUP_KEY = 1;
    static final short CONSUMER_GROUP_KEY = 2;
    static final short TRANSACTIONAL_OFFSET_KEY = 3;
    static final short GROUP_CONFIG_KEY = 4;
    private static final short VALUE_VERSION = 0;

    private OffsetsRecords() {
    }

    /** A decoded key: {@code topic} is null for a group key; {@code producerId} is -1 but for a transactional offset. */
    record Key(short type, String group, String topic, int partition, long producerId) {
    }

    /** A stored member of a classic group. */
    record StoredMember(String memberId, String instanceId, String clientId, String clientHost, int rebalanceTimeoutMs,
                        int sessionTimeoutMs, List<ClassicMember.Protocol> protocols, byte[] assignment) {
    }

    /** A stored classic group. */
    record StoredGroup(String protocolType, int generation, String protocolName, String leader, List<StoredMember> members) {
    }

    static byte[] offsetKey(String group, String topic, int partition) {
        return write(out -> {
            out.writeShort(OFFSET_KEY);
            string(out, group);
            string(out, topic);
            out.writeInt(partition);
        });
    }

    static byte[] transactionalOffsetKey(String group, long producerId, String topic, int partition) {
        return write(out -> {
            out.writeShort(TRANSACTIONAL_OFFSET_KEY);
            string(out, group);
            out.writeLong(producerId);
            string(out, topic);
            out.writeInt(partition);
        });
    }

    static byte[] groupKey(String group) {
        return write(out -> {
            out.writeShort(GROUP_KEY);
            string(out, group);
        });
    }

    static byte[] groupConfigKey(String group) {
        return write(out -> {
            out.writeShort(GROUP_CONFIG_KEY);
            string(out, group);
        });
    }

    static byte[] groupConfigValue(Map<String, String> configs) {
        return write(out -> {
            out.writeShort(VALUE_VERSION);
            out.writeInt(configs.size());
            for (Map.Entry<String, String> e : new TreeMap<>(configs).entrySet()) {
                string(out, e.getKey());
                string(out, e.getValue());
            }
        });
    }

    static Map<String, String> readGroupConfig(ByteBuffer buffer) {
        DataInputStream in = input(buffer);
        try {
            version(in.readShort(), "group config");
            int count = in.readInt();
            Map<String, String> configs = new TreeMap<>();
            for (int i = 0; i < count; i++) {
                configs.put(string(in), string(in));
            }
            return configs;
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated group config value: " + e.getMessage(), e);
        }
    }

    static byte[] consumerGroupKey(String group) {
        return write(out -> {
            out.writeShort(CONSUMER_GROUP_KEY);
            string(out, group);
        });
    }

    /**
     * Version 0 of a consumer-protocol (KIP-848) group value: group epoch, assignment epoch, assignor, the
     * partition counts the target was computed from, the target (member id to partitions), then the members,
     * each with its ids, client, epochs, rebalance timeout, subscription, assigned and revoking partitions and
     * whether it is a static member away for now. Partitions: a count of topics, each a name, a count and the
     * partition numbers.
     */
    static byte[] consumerGroupValue(ConsumerGroup group) {
        return write(out -> {
            out.writeShort(VALUE_VERSION);
            out.writeInt(group.groupEpoch);
            out.writeInt(group.assignmentEpoch);
            string(out, group.assignor.assignorName);
            out.writeInt(group.partitionCounts.size());
            for (var e : group.partitionCounts.entrySet()) {
                string(out, e.getKey());
                out.writeInt(e.getValue());
            }
            out.writeInt(group.target.size());
            for (var e : group.target.entrySet()) {
                string(out, e.getKey());
                partitions(out, e.getValue());
            }
            out.writeInt(group.members.size());
            for (ConsumerGroup.Member m : group.members.values()) {
                string(out, m.memberId);
                string(out, m.instanceId);
                string(out, m.rackId);
                string(out, m.clientId);
                string(out, m.clientHost);
                out.writeInt(m.memberEpoch);
                out.writeInt(m.previousEpoch);
                out.writeInt(m.rebalanceTimeoutMs);
                out.writeInt(m.subscribedTopicNames.size());
                for (String topic : m.subscribedTopicNames) {
                    string(out, topic);
                }
                string(out, m.subscribedTopicRegex);
                string(out, m.serverAssignor);
                partitions(out, m.assigned);
                partitions(out, m.revoking);
                out.writeBoolean(m.leftStatic);
            }
        });
    }

    /** Fills {@code group} (fresh) from a value written by {@link #consumerGroupValue}. */
    static void readConsumerGroup(ByteBuffer buffer, ConsumerGroup group) {
        DataInputStream in = input(buffer);
        try {
            version(in.readShort(), "consumer group");
            group.groupEpoch = in.readInt();
            group.assignmentEpoch = in.readInt();
            String assignor = string(in);
            group.assignor = ServerAssignor.named(assignor) == null ? ServerAssignor.UNIFORM : ServerAssignor.named(assignor);
            int counts = in.readInt();
            java.util.Map<String, Integer> partitionCounts = new java.util.TreeMap<>();
            for (int i = 0; i < counts; i++) {
                partitionCounts.put(string(in), in.readInt());
            }
            group.partitionCounts = partitionCounts;
            int targets = in.readInt();
            group.target.clear();
            for (int i = 0; i < targets; i++) {
                group.target.put(string(in), partitions(in));
            }
            int memberCount = in.readInt();
            group.members.clear();
            group.staticMembers.clear();
            for (int i = 0; i < memberCount; i++) {
                ConsumerGroup.Member m = new ConsumerGroup.Member(string(in), string(in));
                m.rackId = string(in);
                m.clientId = string(in);
                m.clientHost = string(in);
                m.memberEpoch = in.readInt();
                m.previousEpoch = in.readInt();
                m.rebalanceTimeoutMs = in.readInt();
                int topics = in.readInt();
                List<String> subscribed = new ArrayList<>(topics);
                for (int j = 0; j < topics; j++) {
                    subscribed.add(string(in));
                }
                m.subscribedTopicNames = List.copyOf(subscribed);
                m.subscribedTopicRegex = string(in);
                m.serverAssignor = string(in);
                m.assigned = partitions(in);
                m.revoking = partitions(in);
                m.leftStatic = in.readBoolean();
                m.lastSent = null;
                group.members.put(m.memberId, m);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated consumer group value: " + e.getMessage(), e);
        }
    }

    private static void partitions(DataOutputStream out, java.util.Map<String, java.util.Set<Integer>> partitions)
            throws IOException {
        out.writeInt(partitions.size());
        for (var e : partitions.entrySet()) {
            string(out, e.getKey());
            out.writeInt(e.getValue().size());
            for (int p : e.getValue()) {
                out.writeInt(p);
            }
        }
    }

    private static java.util.Map<String, java.util.Set<Integer>> partitions(DataInputStream in) throws IOException {
        int topics = in.readInt();
        java.util.Map<String, java.util.Set<Integer>> result = new java.util.TreeMap<>();
        for (int i = 0; i < topics; i++) {
            String topic = string(in);
            int count = in.readInt();
            java.util.Set<Integer> set = new java.util.TreeSet<>();
            for (int j = 0; j < count; j++) {
                set.add(in.readInt());
            }
            result.put(topic, set);
        }
        return result;
    }

    static byte[] offsetValue(CommittedOffset offset) {
        return write(out -> {
            out.writeShort(VALUE_VERSION);
            out.writeLong(offset.offset());
            out.writeInt(offset.leaderEpoch());
            string(out, offset.metadata());
            out.writeLong(offset.commitTimestamp());
        });
    }

    static byte[] groupValue(StoredGroup group) {
        return write(out -> {
            out.writeShort(VALUE_VERSION);
            string(out, group.protocolType());
            out.writeInt(group.generation());
            string(out, group.protocolName());
            string(out, group.leader());
            out.writeInt(group.members().size());
            for (StoredMember m : group.members()) {
                string(out, m.memberId());
                string(out, m.instanceId());
                string(out, m.clientId());
                string(out, m.clientHost());
                out.writeInt(m.rebalanceTimeoutMs());
                out.writeInt(m.sessionTimeoutMs());
                out.writeInt(m.protocols().size());
                for (ClassicMember.Protocol p : m.protocols()) {
                    string(out, p.name());
                    bytes(out, p.metadata());
                }
                bytes(out, m.assignment());
            }
        });
    }

    static Key readKey(ByteBuffer buffer) {
        DataInputStream in = input(buffer);
        try {
            short type = in.readShort();
            String group = string(in);
            if (type == OFFSET_KEY) {
                return new Key(type, group, string(in), in.readInt(), -1L);
            }
            if (type == GROUP_KEY || type == CONSUMER_GROUP_KEY || type == GROUP_CONFIG_KEY) {
                return new Key(type, group, null, -1, -1L);
            }
            if (type == TRANSACTIONAL_OFFSET_KEY) {
                long producerId = in.readLong();
                return new Key(type, group, string(in), in.readInt(), producerId);
            }
            throw new IllegalArgumentException("unknown key type " + type + " for group '" + group + "'");
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated key: " + e.getMessage(), e);
        }
    }

    static CommittedOffset readOffset(ByteBuffer buffer) {
        DataInputStream in = input(buffer);
        try {
            version(in.readShort(), "offset");
            return new CommittedOffset(in.readLong(), in.readInt(), string(in), in.readLong());
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated offset value: " + e.getMessage(), e);
        }
    }

    static StoredGroup readGroup(ByteBuffer buffer) {
        DataInputStream in = input(buffer);
        try {
            version(in.readShort(), "group");
            String protocolType = string(in);
            int generation = in.readInt();
            String protocolName = string(in);
            String leader = string(in);
            int count = in.readInt();
            List<StoredMember> members = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String memberId = string(in);
                String instanceId = string(in);
                String clientId = string(in);
                String clientHost = string(in);
                int rebalance = in.readInt();
                int session = in.readInt();
                int protocolCount = in.readInt();
                List<ClassicMember.Protocol> protocols = new ArrayList<>(protocolCount);
                for (int j = 0; j < protocolCount; j++) {
                    protocols.add(new ClassicMember.Protocol(string(in), bytes(in)));
                }
                members.add(new StoredMember(memberId, instanceId, clientId, clientHost, rebalance, session, protocols,
                        bytes(in)));
            }
            return new StoredGroup(protocolType, generation, protocolName, leader, members);
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated group value: " + e.getMessage(), e);
        }
    }

    private static void version(short version, String what) {
        if (version != VALUE_VERSION) {
            throw new IllegalArgumentException("unknown " + what + " value version " + version);
        }
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);     // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    private static DataInputStream input(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return new DataInputStream(new java.io.ByteArrayInputStream(bytes));
    }

    private static void string(DataOutputStream out, String value) throws IOException {
        if (value == null) {
            out.writeShort(-1);
            return;
        }
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > Short.MAX_VALUE) {
            throw new IllegalArgumentException("string of " + utf8.length + " bytes is too long to store");
        }
        out.writeShort(utf8.length);
        out.write(utf8);
    }

    private static String string(DataInputStream in) throws IOException {
        short length = in.readShort();
        if (length < 0) {
            return null;
        }
        byte[] utf8 = new byte[length];
        in.readFully(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    private static void bytes(DataOutputStream out, byte[] value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(value.length);
        out.write(value);
    }

    private static byte[] bytes(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        byte[] value = new byte[length];
        in.readFully(value);
        return value;
    }
}
