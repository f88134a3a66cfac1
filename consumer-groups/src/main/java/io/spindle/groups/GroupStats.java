package io.spindle.groups;

import java.util.List;

/**
 * One group as metrics see it.
 *
 * @param type            "classic" or "consumer"
 * @param state           the state DescribeGroups reports
 * @param members         members now
 * @param rebalances      the classic generation or the consumer protocol's group epoch: grows by one per rebalance
 * @param lag             committed offset, log end offset and lag of every partition the group committed
 */
public record GroupStats(String groupId, String type, String state, int members, long rebalances, List<PartitionLag> lag) {
}
