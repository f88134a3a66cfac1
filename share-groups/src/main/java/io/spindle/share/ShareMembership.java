package io.spindle.share;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.message.ShareGroupDescribeResponseData;
import org.apache.kafka.common.message.ShareGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ShareGroupHeartbeatResponseData;

/**
 * Who belongs to which share group (KIP-932): members join, heartbeat and leave through ShareGroupHeartbeat, get
 * their partitions from the server-side assignor, and are removed when silent for the session timeout, which
 * releases the records they held. Reached through {@link ShareCoordinator#membership()}.
 *
 * <p>Threading: the futures complete on the share coordinator's thread; {@link #isMember} answers on any thread.
 */
public interface ShareMembership {
    /** Who sent a request: its client.id and address, kept with members for ShareGroupDescribe. */
    record Client(String clientId, String clientHost) {
    }

    /** ShareGroupHeartbeat: join (epoch 0), heartbeat, or leave (epoch -1); the response carries any new assignment. */
    CompletableFuture<ShareGroupHeartbeatResponseData> heartbeat(Client client, ShareGroupHeartbeatRequestData request);

    /**
     * Whether {@code member} is a member of share group {@code group} now (it joined by heartbeat and has not left or
     * timed out). Any thread; a member that joined is seen here once its heartbeat was answered.
     */
    boolean isMember(String group, String member);

    /** ShareGroupDescribe: each group's state, epochs and members; GROUP_ID_NOT_FOUND for an unknown one. */
    CompletableFuture<List<ShareGroupDescribeResponseData.DescribedGroup>> describe(List<String> groupIds);

    /** The share groups for ListGroups, filtered by state and type as that request asks (empty filters keep all). */
    CompletableFuture<List<ListedGroup>> list(Collection<String> statesFilter, Collection<String> typesFilter);

    /** Every share group's member count. */
    CompletableFuture<Map<String, Integer>> memberCounts();
}
