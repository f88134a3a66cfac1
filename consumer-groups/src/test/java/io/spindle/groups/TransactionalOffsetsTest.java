package io.spindle.groups;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spindle.config.FlushMode;
import io.spindle.config.GroupSettings;
import io.spindle.config.TopicConfig;
import io.spindle.log.FlushPolicy;
import io.spindle.log.LogManager;
import io.spindle.log.PartitionLog;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Offsets committed inside transactions: invisible until their transaction commits, kept across a restart. */
class TransactionalOffsetsTest {
    private static final long PRODUCER = 42;

    @TempDir
    Path dataDir;
    private LogManager logs;
    private GroupCoordinator coordinator;

    private final GroupTopics topics = new GroupTopics() {
        @Override
        public OptionalInt partitionCount(String topic) {
            return OptionalInt.of(4);
        }

        @Override
        public Optional<Uuid> topicId(String topic) {
            return Optional.of(new Uuid(7, topic.hashCode()));
        }

        @Override
        public Optional<String> topicName(Uuid topicId) {
            return Optional.of("t");
        }

        @Override
        public Collection<String> topicNames() {
            return List.of();
        }

        @Override
        public OptionalLong logEndOffset(String topic, int partition) {
            return OptionalLong.empty();
        }
    };

    @BeforeEach
    void open() {
        TopicConfig config = TopicConfig.defaults().with(Map.of(TopicConfig.SEGMENT_BYTES, "65536"));
        logs = LogManager.open(dataDir, new FlushPolicy(FlushMode.NONE, 1000, 10_000), 60_000, topic -> config, Clock.systemUTC());
        PartitionLog log = logs.getOrCreate(GroupCoordinator.OFFSETS_TOPIC, 0, config);
        coordinator = GroupCoordinator.start(log, topics, GroupSettings.defaults(), Clock.systemUTC());
    }

    @AfterEach
    void close() {
        coordinator.close();
        logs.close();
    }

    private void restart() {
        close();
        open();
    }

    private TxnOffsetCommitResponseData commitInTransaction(String group, long offset) {
        return coordinator.commitTransactionalOffsets(new TxnOffsetCommitRequestData().setTransactionalId("tx")
                .setGroupId(group).setProducerId(PRODUCER).setProducerEpoch((short) 0)
                .setGenerationIdOrMemberEpoch(-1).setMemberId("")
                .setTopics(List.of(new TxnOffsetCommitRequestTopic().setName("orders").setPartitions(List.of(
                        new TxnOffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(offset)
                                .setCommittedLeaderEpoch(-1).setCommittedMetadata("")))))).join();
    }

    /** orders-0's committed offset (-1 for none) and its error code. */
    private Map<String, Long> fetch(String group, boolean requireStable) {
        OffsetFetchResponseGroup response = coordinator.fetchOffsets(new OffsetFetchRequestGroup().setGroupId(group)
                .setTopics(List.of(new OffsetFetchRequestTopics().setName("orders").setPartitionIndexes(List.of(0)))),
                requireStable).join();
        Map<String, Long> answer = new HashMap<>();
        for (OffsetFetchResponseTopics topic : response.topics()) {
            for (OffsetFetchResponsePartitions p : topic.partitions()) {
                answer.put("offset", p.committedOffset());
                answer.put("error", (long) p.errorCode());
            }
        }
        return answer;
    }

    @Test
    void offsetsOfACommittedTransactionBecomeTheGroupsOnlyAtTheCommit() {
        assertEquals(Errors.NONE.code(), commitInTransaction("g", 7).topics().get(0).partitions().get(0).errorCode());
        assertEquals(Map.of("offset", -1L, "error", 0L), fetch("g", false));
        assertEquals((long) Errors.UNSTABLE_OFFSET_COMMIT.code(), fetch("g", true).get("error"));

        coordinator.completeTransaction("g", PRODUCER, true).join();

        assertEquals(Map.of("offset", 7L, "error", 0L), fetch("g", true));
    }

    @Test
    void offsetsOfAnAbortedTransactionNeverBecomeTheGroups() {
        commitInTransaction("g", 7);
        coordinator.completeTransaction("g", PRODUCER, false).join();

        assertEquals(Map.of("offset", -1L, "error", 0L), fetch("g", true));
    }

    @Test
    void offsetsWaitingForTheirTransactionSurviveARestartAndCompleteAfterIt() {
        commitInTransaction("g", 7);
        commitInTransaction("h", 9);
        coordinator.completeTransaction("h", PRODUCER, false).join();

        restart();

        assertEquals((long) Errors.UNSTABLE_OFFSET_COMMIT.code(), fetch("g", true).get("error"));
        assertEquals(0L, fetch("h", true).get("error"));
        coordinator.completeTransaction("g", PRODUCER, true).join();
        restart();
        assertEquals(Map.of("offset", 7L, "error", 0L), fetch("g", true));
    }
}
