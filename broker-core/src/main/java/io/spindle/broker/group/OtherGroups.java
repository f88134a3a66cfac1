package io.spindle.broker.group;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.protocol.Errors;

/**
 * Groups kept by another coordinator than the {@link io.spindle.groups.GroupCoordinator} (share groups), as the
 * group-wide APIs ListGroups and DeleteGroups see them, and as JoinGroup and ConsumerGroupHeartbeat must (a consumer
 * group cannot take the id of a share group). Thread-safe; methods return at once with futures.
 */
public interface OtherGroups {
    /** No other groups. */
    OtherGroups NONE = new OtherGroups() {
        @Override
        public CompletableFuture<List<ListedGroup>> list(Collection<String> states, Collection<String> types) {
            return CompletableFuture.completedFuture(List.of());
        }

        @Override
        public CompletableFuture<Map<String, Errors>> delete(List<String> groupIds) {
            return CompletableFuture.completedFuture(Map.of());
        }

        @Override
        public CompletableFuture<Boolean> exists(String groupId) {
            return CompletableFuture.completedFuture(false);
        }
    };

    /** The groups matching ListGroups' state and type filters (empty filters keep all). */
    CompletableFuture<List<ListedGroup>> list(Collection<String> states, Collection<String> types);

    /** Deletes those of {@code groupIds} this coordinator keeps; the result names only them. */
    CompletableFuture<Map<String, Errors>> delete(List<String> groupIds);

    /** Whether this coordinator keeps a group of that id (group ids are one namespace across group types). */
    CompletableFuture<Boolean> exists(String groupId);
}
