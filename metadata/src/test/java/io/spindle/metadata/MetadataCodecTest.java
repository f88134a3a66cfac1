package io.spindle.metadata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class MetadataCodecTest {

    @Test
    void everyCommandSurvivesEncodeAndDecode() {
        UUID id = UUID.randomUUID();
        List<MetadataCommand> commands = List.of(
                new RegisterBroker(1, id, List.of(new BrokerEndpoint("PLAINTEXT", "host-é", 9092)), Optional.of("r")),
                new RegisterBroker(2, id, List.of(new BrokerEndpoint("A", "h", 1), new BrokerEndpoint("B", "h", 2)),
                        Optional.empty()),
                new RegisterBroker(3, id, List.of(new BrokerEndpoint("PLAINTEXT", "h", 3)), Optional.empty(), false),
                new BrokerHeartbeat(1, 42), new FenceBroker(2, 43), new UnfenceBroker(3, 44),
                new AllocateProducerIds(4, 45), new SetFeatureLevel("metadata.version", (short) 3),
                new CreateTopic(id, "t", 3, 2, Map.of("a", "1"), List.of()),
                new CreateTopic(id, "t", -1, -1, Map.of(), List.of(List.of(1, 2), List.of(2, 3))),
                new DeleteTopic("t"), new AlterTopicConfigs("t", Map.of("x", "y"), Set.of("z")),
                new CreatePartitions("t", 5, List.of(List.of(1))), new ChangePartition(id, 2, 7, -1, List.of(1, 3)),
                new ElectUncleanLeader(id, 1, 4, 3),
                new ReassignPartition("t", 1, Optional.of(List.of(3, 4))), new ReassignPartition("t", 0, Optional.empty()),
                new AlterGroupConfigs("workers", Map.of("share.auto.offset.reset", "earliest"), Set.of("x")),
                new AlterGroupConfigs("g-é", Map.of(), Set.of()));
        for (MetadataCommand command : commands) {
            assertEquals(command, MetadataCodec.decodeCommand(MetadataCodec.encode(command)));
        }
    }

    @Test
    void aTruncatedCommandIsRefusedAsInvalid() {
        byte[] bytes = MetadataCodec.encode(new DeleteTopic("orders"));
        MetadataException e = assertThrows(MetadataException.class,
                () -> MetadataCodec.decodeCommand(Arrays.copyOf(bytes, bytes.length - 2)));
        assertEquals(MetadataException.Reason.INVALID_COMMAND, e.reason());
    }

    @Test
    void aCommandOfALaterFormatVersionIsRefusedNamingTheVersion() {
        byte[] bytes = MetadataCodec.encode(new DeleteTopic("orders"));
        bytes[0] = 9;
        MetadataException e = assertThrows(MetadataException.class, () -> MetadataCodec.decodeCommand(bytes));
        assertEquals("Metadata command of format version 9; this broker reads versions 1 to " + MetadataCodec.VERSION,
                e.getMessage());
    }

    @Test
    void anImageSurvivesEncodeAndDecode() throws IOException {
        Images images = new Images().liveBroker(1, "a").liveBroker(2, "b").liveBroker(3, null);
        images.apply(new CreateTopic(UUID.randomUUID(), "orders", 4, 2, Map.of("retention.ms", "5"), List.of()));
        images.apply(new AllocateProducerIds(1, images.image().brokers().get(1).epoch()));
        images.apply(new SetFeatureLevel(MetadataImage.METADATA_VERSION, (short) 1));
        images.apply(new FenceBroker(3, images.image().brokers().get(3).epoch()));
        MetadataImage image = images.image();
        byte[] bytes = MetadataCodec.encode(image);
        assertEquals(image, MetadataCodec.decodeImage(bytes, "test"));
        assertArrayEquals(bytes, MetadataCodec.encode(MetadataCodec.decodeImage(bytes, "test")));
    }

    @Test
    void aCorruptedImageFailsItsCrcNamingTheSource() {
        byte[] bytes = MetadataCodec.encode(new Images().liveBroker(1, null).image());
        bytes[12] ^= 1;
        IOException e = assertThrows(IOException.class, () -> MetadataCodec.decodeImage(bytes, "/x/snapshot.1_2"));
        assertTrue(e.getMessage().startsWith("Metadata image /x/snapshot.1_2 fails its CRC32C check"), e.getMessage());
    }

    @Test
    void aReassignmentInProgressSurvivesEncodeAndDecode() throws IOException {
        Images images = new Images().liveBroker(1, null).liveBroker(2, null).liveBroker(3, null);
        images.apply(new CreateTopic(UUID.randomUUID(), "orders", -1, -1, Map.of(), List.of(List.of(1))));
        images.apply(new ReassignPartition("orders", 0, Optional.of(List.of(2, 3))));
        MetadataImage image = images.image();
        assertTrue(image.topic("orders").orElseThrow().partition(0).isReassigning());
        assertEquals(image, MetadataCodec.decodeImage(MetadataCodec.encode(image), "test"));
    }

    /** A snapshot written before reassignments existed (version 1: no adding and removing replicas) still reads. */
    @Test
    void anImageOfFormatVersion1ReadsWithoutReassignments() throws IOException {
        Images images = new Images().liveBroker(1, null);
        images.apply(new CreateTopic(UUID.randomUUID(), "orders", 1, 1, Map.of(), List.of()));
        MetadataImage image = images.image();
        byte[] v4 = MetadataCodec.encode(image);
        // The one partition's four empty lists (4-byte counts: adding, removing, ELR, last known ELR) sit before the
        // producer ids (8 + 4), features (4) and group configs (4), which version 1 does not have either.
        int lists = v4.length - 4 - 4 - 4 - 4 - 8 - 16;
        ByteBuffer v1 = ByteBuffer.allocate(v4.length - 16 - 4).put(v4, 0, lists)
                .put(v4, lists + 16, v4.length - 4 - 4 - lists - 16);
        v1.put(4, (byte) 1);
        CRC32C crc = new CRC32C();
        crc.update(v1.array(), 0, v1.capacity() - 4);
        v1.putInt((int) crc.getValue());
        assertEquals(image, MetadataCodec.decodeImage(v1.array(), "v1"));
    }

    @Test
    void eligibleLeaderReplicasSurviveEncodeAndDecode() throws IOException {
        Images images = new Images().liveBroker(1, null).liveBroker(2, null).liveBroker(3, null);
        images.apply(new CreateTopic(UUID.randomUUID(), "orders", -1, -1, Map.of("min.insync.replicas", "2"),
                List.of(List.of(1, 2, 3))));
        images.apply(new CreateTopic(UUID.randomUUID(), "solo", -1, -1, Map.of(), List.of(List.of(2))));
        UUID id = images.image().topic("orders").orElseThrow().id();
        images.apply(new ChangePartition(id, 0, 0, 1, List.of(1)));
        images.apply(new FenceBroker(2, images.image().brokers().get(2).epoch()));
        images.apply(new RegisterBroker(2, UUID.randomUUID(), List.of(new BrokerEndpoint("PLAINTEXT", "h", 2)),
                Optional.empty(), false));
        MetadataImage image = images.image();
        assertEquals(List.of(3), image.topic("orders").orElseThrow().partition(0).elr());
        assertEquals(List.of(2), image.topic("solo").orElseThrow().partition(0).lastKnownElr());
        byte[] bytes = MetadataCodec.encode(image);
        assertEquals(image, MetadataCodec.decodeImage(bytes, "test"));
        assertArrayEquals(bytes, MetadataCodec.encode(MetadataCodec.decodeImage(bytes, "test")));
    }

    /**
     * A snapshot the broker wrote before eligible leader replicas existed (format version 2, checked in as written by
     * commit b741de3's MetadataCodec: three brokers with racks, 3 fenced; topic orders with min.insync.replicas=2,
     * partition 1 being moved from [2, 3] to [1, 3]; a producer-id block; metadata.version 1) still loads, with no
     * eligible leader replicas, and a broker writing it again writes the current version.
     */
    @Test
    void aSnapshotOfFormatVersion2LoadsWithoutEligibleLeaderReplicas() throws IOException {
        byte[] v2;
        try (var in = MetadataCodecTest.class.getResourceAsStream("snapshot-v2.bin")) {
            v2 = in.readAllBytes();
        }
        assertEquals(2, v2[4], "the fixture's format version");
        MetadataImage image = MetadataCodec.decodeImage(v2, "snapshot-v2.bin");
        assertEquals(11, image.offset());
        assertEquals(Set.of(1, 2, 3), image.brokers().keySet());
        assertTrue(image.brokers().get(3).fenced());
        assertEquals(Optional.of("rack-2"), image.brokers().get(2).rack());
        TopicImage orders = image.topic("orders").orElseThrow();
        assertEquals(Map.of("min.insync.replicas", "2"), orders.configs());
        assertEquals(new PartitionImage(0, List.of(1, 2), List.of(1, 2), 1, 0, 0), orders.partition(0));
        assertEquals(new PartitionImage(1, List.of(1, 3, 2), List.of(2), 2, 0, 2, List.of(1), List.of(2)),
                orders.partition(1));
        assertEquals(1000, image.nextProducerId());
        assertEquals(new ProducerIdBlock(2, 0, 1000), image.lastProducerIdBlock().get(2));
        assertEquals(1, image.featureLevel(MetadataImage.METADATA_VERSION));
        byte[] rewritten = MetadataCodec.encode(image);
        assertEquals(MetadataCodec.VERSION, rewritten[4]);
        assertEquals(image, MetadataCodec.decodeImage(rewritten, "rewritten"));
    }

    @Test
    void groupConfigsSurviveEncodeAndDecode() throws IOException {
        Images images = new Images().liveBroker(1, null);
        images.apply(new AlterGroupConfigs("workers", Map.of("share.auto.offset.reset", "earliest",
                "share.record.lock.duration.ms", "15000"), Set.of()));
        images.apply(new AlterGroupConfigs("orders", Map.of("consumer.session.timeout.ms", "50000"), Set.of()));
        MetadataImage image = images.image();
        byte[] bytes = MetadataCodec.encode(image);
        MetadataImage read = MetadataCodec.decodeImage(bytes, "test");
        assertEquals(image, read);
        assertEquals(Map.of("consumer.session.timeout.ms", "50000"), read.groupConfigs("orders"));
        assertArrayEquals(bytes, MetadataCodec.encode(read));
    }

    /**
     * A snapshot the broker wrote before group configs were metadata (format version 3, checked in as written by
     * commit e24e1c2's MetadataCodec: brokers 1 and 2 with racks, 3 fenced; topic orders (id 1-2) with
     * min.insync.replicas=2, its partition 0 on [1, 2, 3] led by 1 with ISR [1] and ELR [2, 3]; broker 2's
     * producer-id block; metadata.version 1) still loads, with no group configs, and is written again as the current
     * version, which can then hold them.
     */
    @Test
    void aSnapshotOfFormatVersion3LoadsWithoutGroupConfigs() throws IOException {
        byte[] v3;
        try (var in = MetadataCodecTest.class.getResourceAsStream("snapshot-v3.bin")) {
            v3 = in.readAllBytes();
        }
        assertEquals(3, v3[4], "the fixture's format version");
        MetadataImage image = MetadataCodec.decodeImage(v3, "snapshot-v3.bin");
        assertEquals(11, image.offset());
        assertEquals(Set.of(1, 2, 3), image.brokers().keySet());
        assertTrue(image.brokers().get(3).fenced());
        assertEquals(Optional.of("rack-2"), image.brokers().get(2).rack());
        TopicImage orders = image.topic("orders").orElseThrow();
        assertEquals(new UUID(1, 2), orders.id());
        assertEquals(Map.of("min.insync.replicas", "2"), orders.configs());
        assertEquals(new PartitionImage(0, List.of(1, 2, 3), List.of(1), 1, 0, 1).withElr(List.of(2, 3), List.of()),
                orders.partition(0));
        assertEquals(new ProducerIdBlock(2, 0, 1000), image.lastProducerIdBlock().get(2));
        assertEquals(1, image.featureLevel(MetadataImage.METADATA_VERSION));
        assertEquals(Map.of(), image.groupConfigs());
        MetadataImage configured = new AlterGroupConfigs("workers", Map.of("share.auto.offset.reset", "earliest"),
                Set.of()).applyTo(image, 12);
        byte[] rewritten = MetadataCodec.encode(configured);
        assertEquals(MetadataCodec.VERSION, rewritten[4]);
        assertEquals(configured, MetadataCodec.decodeImage(rewritten, "rewritten"));
    }

    /** A registration logged before version 3 said nothing of the last stop: it reads as a clean one, as it acted. */
    @Test
    void aRegistrationOfFormatVersion2ReadsAsAfterACleanStop() {
        RegisterBroker clean = new RegisterBroker(4, UUID.randomUUID(), List.of(new BrokerEndpoint("P", "h", 4)),
                Optional.of("r"));
        byte[] v3 = MetadataCodec.encode(clean);
        byte[] v2 = Arrays.copyOf(v3, v3.length - 1);
        v2[0] = 2;
        RegisterBroker read = (RegisterBroker) MetadataCodec.decodeCommand(v2);
        assertEquals(clean, read);
        assertTrue(read.cleanShutdown());
    }
}
