package io.spindle.metadata;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.spindle.metadata.MetadataCommand.AllocateProducerIds;
import io.spindle.metadata.MetadataCommand.AlterGroupConfigs;
import io.spindle.metadata.MetadataCommand.AlterTopicConfigs;
import io.spindle.metadata.MetadataCommand.BrokerHeartbeat;
import io.spindle.metadata.MetadataCommand.ChangePartition;
import io.spindle.metadata.MetadataCommand.ElectUncleanLeader;
import io.spindle.metadata.MetadataCommand.CreatePartitions;
import io.spindle.metadata.MetadataCommand.CreateTopic;
import io.spindle.metadata.MetadataCommand.DeleteTopic;
import io.spindle.metadata.MetadataCommand.FenceBroker;
import io.spindle.metadata.MetadataCommand.ReassignPartition;
import io.spindle.metadata.MetadataCommand.RegisterBroker;
import io.spindle.metadata.MetadataCommand.SetFeatureLevel;
import io.spindle.metadata.MetadataCommand.UnfenceBroker;
import io.spindle.metadata.MetadataException.Reason;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * The binary form of commands (one per metadata log entry) and of images (the state machine's snapshot file).
 * Big-endian, strings as a 4-byte length and UTF-8, optional values behind a presence byte.
 *
 * <p>A command: {@code [version:1][type:1][fields]}. An image: {@code [magic "SPMI":4][version:1][fields]
 * [CRC32C of all before:4]}. Version 1 is the first; a later version adds fields at the end of a type and bumps
 * {@link #VERSION}, and every reader keeps reading the versions before it (the log and snapshots outlive upgrades).
 * Version 2 adds each partition's replicas being added and removed by a reassignment at the end of the partition in
 * an image, and the command {@code ReassignPartition}.
 * Version 3 adds each partition's eligible leader replicas and last known ELR at the end of the partition in an image
 * (a version 1 or 2 image reads with none), and whether the broker stopped cleanly at the end of
 * {@code RegisterBroker} (a version 1 or 2 registration reads as after a clean stop: what it meant when written).
 * Version 4 adds the groups' configs at the end of an image (a version 1 to 3 image reads with none: group configs
 * were then kept by each group's coordinator) and the command {@code AlterGroupConfigs}.
 * Decoding refuses, with a message naming what was wrong, a version it does not know, an unknown command type,
 * truncated input, trailing bytes and a CRC mismatch.
 */
public final class MetadataCodec {
    /** The format version written. */
    public static final byte VERSION = 4;
    private static final int IMAGE_MAGIC = 0x53504D49; // "SPMI"

    private static final byte REGISTER_BROKER = 1;
    private static final byte BROKER_HEARTBEAT = 2;
    private static final byte FENCE_BROKER = 3;
    private static final byte UNFENCE_BROKER = 4;
    private static final byte ALLOCATE_PRODUCER_IDS = 5;
    private static final byte SET_FEATURE_LEVEL = 6;
    private static final byte CREATE_TOPIC = 7;
    private static final byte DELETE_TOPIC = 8;
    private static final byte ALTER_TOPIC_CONFIGS = 9;
    private static final byte CREATE_PARTITIONS = 10;
    private static final byte CHANGE_PARTITION = 11;
    /** Added after version 1's first commands: a reader that does not know it refuses it as an unknown type. */
    private static final byte ELECT_UNCLEAN_LEADER = 12;
    private static final byte REASSIGN_PARTITION = 13;
    private static final byte ALTER_GROUP_CONFIGS = 14;

    private MetadataCodec() {
    }

    public static byte[] encode(MetadataCommand command) {
        return write(out -> {
            out.writeByte(VERSION);
            if (command instanceof RegisterBroker c) {
                out.writeByte(REGISTER_BROKER);
                out.writeInt(c.brokerId());
                writeUuid(out, c.incarnation());
                writeEndpoints(out, c.endpoints());
                writeOptional(out, c.rack());
                out.writeBoolean(c.cleanShutdown());
            } else if (command instanceof BrokerHeartbeat c) {
                brokerEpoch(out, BROKER_HEARTBEAT, c.brokerId(), c.brokerEpoch());
            } else if (command instanceof FenceBroker c) {
                brokerEpoch(out, FENCE_BROKER, c.brokerId(), c.brokerEpoch());
            } else if (command instanceof UnfenceBroker c) {
                brokerEpoch(out, UNFENCE_BROKER, c.brokerId(), c.brokerEpoch());
            } else if (command instanceof AllocateProducerIds c) {
                brokerEpoch(out, ALLOCATE_PRODUCER_IDS, c.brokerId(), c.brokerEpoch());
            } else if (command instanceof SetFeatureLevel c) {
                out.writeByte(SET_FEATURE_LEVEL);
                writeString(out, c.feature());
                out.writeShort(c.level());
            } else if (command instanceof CreateTopic c) {
                out.writeByte(CREATE_TOPIC);
                writeUuid(out, c.topicId());
                writeString(out, c.name());
                out.writeInt(c.partitions());
                out.writeInt(c.replicationFactor());
                writeStringMap(out, c.configs());
                writeIntLists(out, c.assignments());
            } else if (command instanceof DeleteTopic c) {
                out.writeByte(DELETE_TOPIC);
                writeString(out, c.name());
            } else if (command instanceof AlterTopicConfigs c) {
                out.writeByte(ALTER_TOPIC_CONFIGS);
                writeString(out, c.name());
                writeStringMap(out, c.set());
                writeStrings(out, c.delete());
            } else if (command instanceof CreatePartitions c) {
                out.writeByte(CREATE_PARTITIONS);
                writeString(out, c.name());
                out.writeInt(c.totalCount());
                writeIntLists(out, c.assignments());
            } else if (command instanceof ChangePartition c) {
                out.writeByte(CHANGE_PARTITION);
                writeUuid(out, c.topicId());
                out.writeInt(c.partition());
                out.writeInt(c.expectedPartitionEpoch());
                out.writeInt(c.leader());
                writeInts(out, c.isr());
            } else if (command instanceof ElectUncleanLeader c) {
                out.writeByte(ELECT_UNCLEAN_LEADER);
                writeUuid(out, c.topicId());
                out.writeInt(c.partition());
                out.writeInt(c.expectedPartitionEpoch());
                out.writeInt(c.leader());
            } else if (command instanceof ReassignPartition c) {
                out.writeByte(REASSIGN_PARTITION);
                writeString(out, c.topic());
                out.writeInt(c.partition());
                out.writeBoolean(c.target().isPresent());
                if (c.target().isPresent()) {
                    writeInts(out, c.target().get());
                }
            } else if (command instanceof AlterGroupConfigs c) {
                out.writeByte(ALTER_GROUP_CONFIGS);
                writeString(out, c.group());
                writeStringMap(out, c.set());
                writeStrings(out, c.delete());
            } else {
                throw new IllegalArgumentException("No encoding for " + command);
            }
        });
    }

    /** @throws MetadataException INVALID_COMMAND naming what could not be read */
    public static MetadataCommand decodeCommand(byte[] bytes) {
        try {
            Input in = new Input(bytes);
            byte version = in.readByte();
            if (version < 1 || version > VERSION) {
                throw new MetadataException(Reason.INVALID_COMMAND, "Metadata command of format version " + version
                        + "; this broker reads versions 1 to " + VERSION);
            }
            byte type = in.readByte();
            MetadataCommand command = switch (type) {
                case REGISTER_BROKER -> new RegisterBroker(in.readInt(), in.uuid(), in.endpoints(), in.optional(),
                        version < 3 || in.readBoolean());
                case BROKER_HEARTBEAT -> new BrokerHeartbeat(in.readInt(), in.readLong());
                case FENCE_BROKER -> new FenceBroker(in.readInt(), in.readLong());
                case UNFENCE_BROKER -> new UnfenceBroker(in.readInt(), in.readLong());
                case ALLOCATE_PRODUCER_IDS -> new AllocateProducerIds(in.readInt(), in.readLong());
                case SET_FEATURE_LEVEL -> new SetFeatureLevel(in.string(), in.readShort());
                case CREATE_TOPIC -> new CreateTopic(in.uuid(), in.string(), in.readInt(), in.readInt(),
                        in.stringMap(), in.intLists());
                case DELETE_TOPIC -> new DeleteTopic(in.string());
                case ALTER_TOPIC_CONFIGS -> new AlterTopicConfigs(in.string(), in.stringMap(), new HashSet<>(
                        in.strings()));
                case CREATE_PARTITIONS -> new CreatePartitions(in.string(), in.readInt(), in.intLists());
                case CHANGE_PARTITION -> new ChangePartition(in.uuid(), in.readInt(), in.readInt(), in.readInt(),
                        in.ints());
                case ELECT_UNCLEAN_LEADER -> new ElectUncleanLeader(in.uuid(), in.readInt(), in.readInt(),
                        in.readInt());
                case REASSIGN_PARTITION -> new ReassignPartition(in.string(), in.readInt(),
                        in.readBoolean() ? Optional.of(in.ints()) : Optional.empty());
                case ALTER_GROUP_CONFIGS -> new AlterGroupConfigs(in.string(), in.stringMap(), new HashSet<>(
                        in.strings()));
                default -> throw new MetadataException(Reason.INVALID_COMMAND, "Unknown metadata command type "
                        + type);
            };
            in.end("metadata command");
            return command;
        } catch (IOException | IllegalArgumentException e) {
            throw new MetadataException(Reason.INVALID_COMMAND, "Metadata command of " + bytes.length
                    + " bytes is truncated or malformed: " + e.getMessage(), e);
        }
    }

    public static byte[] encode(MetadataImage image) {
        byte[] body = write(out -> {
            out.writeInt(IMAGE_MAGIC);
            out.writeByte(VERSION);
            out.writeLong(image.offset());
            out.writeInt(image.brokers().size());
            for (BrokerRegistration broker : image.brokers().values()) {
                out.writeInt(broker.id());
                writeUuid(out, broker.incarnation());
                out.writeLong(broker.epoch());
                writeEndpoints(out, broker.endpoints());
                writeOptional(out, broker.rack());
                out.writeBoolean(broker.fenced());
            }
            out.writeInt(image.topics().size());
            for (TopicImage topic : image.topics().values()) {
                writeUuid(out, topic.id());
                writeString(out, topic.name());
                writeStringMap(out, topic.configs());
                out.writeInt(topic.partitions().size());
                for (PartitionImage p : topic.partitions()) {
                    writeInts(out, p.replicas());
                    writeInts(out, p.isr());
                    out.writeInt(p.leader());
                    out.writeInt(p.leaderEpoch());
                    out.writeInt(p.partitionEpoch());
                    writeInts(out, p.addingReplicas());
                    writeInts(out, p.removingReplicas());
                    writeInts(out, p.elr());
                    writeInts(out, p.lastKnownElr());
                }
            }
            out.writeLong(image.nextProducerId());
            out.writeInt(image.lastProducerIdBlock().size());
            for (ProducerIdBlock block : image.lastProducerIdBlock().values()) {
                out.writeInt(block.brokerId());
                out.writeLong(block.firstProducerId());
                out.writeInt(block.size());
            }
            out.writeInt(image.features().size());
            for (Map.Entry<String, Short> feature : image.features().entrySet()) {
                writeString(out, feature.getKey());
                out.writeShort(feature.getValue());
            }
            out.writeInt(image.groupConfigs().size());
            for (Map.Entry<String, SortedMap<String, String>> group : image.groupConfigs().entrySet()) {
                writeString(out, group.getKey());
                writeStringMap(out, group.getValue());
            }
        });
        CRC32C crc = new CRC32C();
        crc.update(body);
        return ByteBuffer.allocate(body.length + 4).put(body).putInt((int) crc.getValue()).array();
    }

    /**
     * @param source what the bytes are (a snapshot file's path), named in errors
     * @throws IOException naming the source and what is wrong: magic, version, CRC, truncation
     */
    public static MetadataImage decodeImage(byte[] bytes, String source) throws IOException {
        try {
            return readImage(bytes, source);
        } catch (IllegalArgumentException e) {
            throw new IOException("Metadata image " + source + " is malformed: " + e.getMessage(), e);
        }
    }

    private static MetadataImage readImage(byte[] bytes, String source) throws IOException {
        if (bytes.length < 9) {
            throw new IOException("Metadata image " + source + " has only " + bytes.length + " bytes");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        int stored = ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt();
        if ((int) crc.getValue() != stored) {
            throw new IOException("Metadata image " + source + " fails its CRC32C check (stored "
                    + Integer.toHexString(stored) + ", computed " + Integer.toHexString((int) crc.getValue()) + ")");
        }
        Input in = new Input(bytes, bytes.length - 4);
        if (in.readInt() != IMAGE_MAGIC) {
            throw new IOException("Metadata image " + source + " does not start with the magic 'SPMI'");
        }
        byte version = in.readByte();
        if (version < 1 || version > VERSION) {
            throw new IOException("Metadata image " + source + " has format version " + version
                    + "; this broker reads versions 1 to " + VERSION);
        }
        long offset = in.readLong();
        TreeMap<Integer, BrokerRegistration> brokers = new TreeMap<>();
        for (int i = in.count(); i > 0; i--) {
            BrokerRegistration broker = new BrokerRegistration(in.readInt(), in.uuid(), in.readLong(),
                    in.endpoints(), in.optional(), in.readBoolean());
            brokers.put(broker.id(), broker);
        }
        TreeMap<String, TopicImage> topics = new TreeMap<>();
        for (int i = in.count(); i > 0; i--) {
            UUID id = in.uuid();
            String name = in.string();
            Map<String, String> configs = in.stringMap();
            List<PartitionImage> partitions = new ArrayList<>();
            for (int p = in.count(); p > 0; p--) {
                PartitionImage partition = new PartitionImage(partitions.size(), in.ints(), in.ints(), in.readInt(),
                        in.readInt(), in.readInt());
                if (version >= 2) {
                    partition = new PartitionImage(partition.partition(), partition.replicas(), partition.isr(),
                            partition.leader(), partition.leaderEpoch(), partition.partitionEpoch(), in.ints(),
                            in.ints());
                }
                if (version >= 3) {
                    partition = partition.withElr(in.ints(), in.ints());
                }
                partitions.add(partition);
            }
            topics.put(name, new TopicImage(id, name, configs, partitions));
        }
        long nextProducerId = in.readLong();
        TreeMap<Integer, ProducerIdBlock> blocks = new TreeMap<>();
        for (int i = in.count(); i > 0; i--) {
            ProducerIdBlock block = new ProducerIdBlock(in.readInt(), in.readLong(), in.readInt());
            blocks.put(block.brokerId(), block);
        }
        TreeMap<String, Short> features = new TreeMap<>();
        for (int i = in.count(); i > 0; i--) {
            features.put(in.string(), in.readShort());
        }
        TreeMap<String, SortedMap<String, String>> groupConfigs = new TreeMap<>();
        if (version >= 4) {
            for (int i = in.count(); i > 0; i--) {
                groupConfigs.put(in.string(), new TreeMap<>(in.stringMap()));
            }
        }
        in.end("metadata image " + source);
        return new MetadataImage(offset, brokers, topics, nextProducerId, blocks, features, groupConfigs);
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    private static void brokerEpoch(DataOutputStream out, byte type, int brokerId, long epoch) throws IOException {
        out.writeByte(type);
        out.writeInt(brokerId);
        out.writeLong(epoch);
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] utf8 = s.getBytes(UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static void writeOptional(DataOutputStream out, Optional<String> value) throws IOException {
        out.writeBoolean(value.isPresent());
        if (value.isPresent()) {
            writeString(out, value.get());
        }
    }

    private static void writeUuid(DataOutputStream out, UUID id) throws IOException {
        out.writeLong(id.getMostSignificantBits());
        out.writeLong(id.getLeastSignificantBits());
    }

    private static void writeInts(DataOutputStream out, List<Integer> ints) throws IOException {
        out.writeInt(ints.size());
        for (int i : ints) {
            out.writeInt(i);
        }
    }

    private static void writeIntLists(DataOutputStream out, List<List<Integer>> lists) throws IOException {
        out.writeInt(lists.size());
        for (List<Integer> list : lists) {
            writeInts(out, list);
        }
    }

    private static void writeStrings(DataOutputStream out, Set<String> strings) throws IOException {
        out.writeInt(strings.size());
        for (String s : new TreeSet<>(strings)) {
            writeString(out, s);
        }
    }

    private static void writeStringMap(DataOutputStream out, Map<String, String> map) throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<String, String> e : new TreeMap<>(map).entrySet()) {
            writeString(out, e.getKey());
            writeString(out, e.getValue());
        }
    }

    private static void writeEndpoints(DataOutputStream out, List<BrokerEndpoint> endpoints) throws IOException {
        out.writeInt(endpoints.size());
        for (BrokerEndpoint e : endpoints) {
            writeString(out, e.listener());
            writeString(out, e.host());
            out.writeInt(e.port());
        }
    }

    /** Reads within a limit, refusing lengths larger than what is left (so a bad length cannot allocate much). */
    private static final class Input extends DataInputStream {
        private final ByteArrayInputStream bytes;

        Input(byte[] data) {
            this(data, data.length);
        }

        Input(byte[] data, int length) {
            this(new ByteArrayInputStream(data, 0, length));
        }

        private Input(ByteArrayInputStream bytes) {
            super(bytes);
            this.bytes = bytes;
        }

        int count() throws IOException {
            int n = readInt();
            if (n < 0 || n > bytes.available()) {
                throw new IOException("count " + n + " with " + bytes.available() + " bytes left");
            }
            return n;
        }

        String string() throws IOException {
            byte[] utf8 = new byte[count()];
            readFully(utf8);
            return new String(utf8, UTF_8);
        }

        Optional<String> optional() throws IOException {
            return readBoolean() ? Optional.of(string()) : Optional.empty();
        }

        UUID uuid() throws IOException {
            return new UUID(readLong(), readLong());
        }

        List<Integer> ints() throws IOException {
            List<Integer> ints = new ArrayList<>();
            for (int i = count(); i > 0; i--) {
                ints.add(readInt());
            }
            return ints;
        }

        List<List<Integer>> intLists() throws IOException {
            List<List<Integer>> lists = new ArrayList<>();
            for (int i = count(); i > 0; i--) {
                lists.add(ints());
            }
            return lists;
        }

        List<String> strings() throws IOException {
            List<String> strings = new ArrayList<>();
            for (int i = count(); i > 0; i--) {
                strings.add(string());
            }
            return strings;
        }

        Map<String, String> stringMap() throws IOException {
            Map<String, String> map = new TreeMap<>();
            for (int i = count(); i > 0; i--) {
                map.put(string(), string());
            }
            return map;
        }

        List<BrokerEndpoint> endpoints() throws IOException {
            List<BrokerEndpoint> endpoints = new ArrayList<>();
            for (int i = count(); i > 0; i--) {
                endpoints.add(new BrokerEndpoint(string(), string(), readInt()));
            }
            return endpoints;
        }

        void end(String what) throws IOException {
            if (bytes.available() != 0) {
                throw new IOException(bytes.available() + " unexpected trailing bytes after the " + what);
            }
        }
    }
}
