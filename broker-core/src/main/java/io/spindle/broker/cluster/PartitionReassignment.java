package io.spindle.broker.cluster;

import java.util.List;

/**
 * A partition's reassignment in progress, as ListPartitionReassignments reports it.
 *
 * @param topic            the topic
 * @param partition        the partition index
 * @param replicas         every replica now: the target ones first, then those being removed
 * @param addingReplicas   the target replicas that are new to the partition
 * @param removingReplicas the original replicas the target leaves out
 */
public record PartitionReassignment(String topic, int partition, List<Integer> replicas, List<Integer> addingReplicas,
                                    List<Integer> removingReplicas) {
    public PartitionReassignment {
        replicas = List.copyOf(replicas);
        addingReplicas = List.copyOf(addingReplicas);
        removingReplicas = List.copyOf(removingReplicas);
    }
}
