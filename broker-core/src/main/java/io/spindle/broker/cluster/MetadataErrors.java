package io.spindle.broker.cluster;

import io.spindle.metadata.MetadataException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.NoReassignmentInProgressException;
import org.apache.kafka.common.errors.NotControllerException;
import org.apache.kafka.common.errors.StaleBrokerEpochException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownServerException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** The Kafka error for a refusal of the metadata quorum, in one place; the quorum's message is kept. */
final class MetadataErrors {
    private MetadataErrors() {
    }

    /** {@code failure} (a submit's, possibly wrapped) as the Kafka API error clients understand. */
    static ApiException toKafka(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof ApiException api) {
            return api;
        }
        if (!(cause instanceof MetadataException refused)) {
            // Ratis could not reach a majority (or answered with its own failure): retriable for admin clients.
            return new NotControllerException("The metadata quorum did not answer: " + cause);
        }
        String message = refused.getMessage();
        return switch (refused.reason()) {
            case TOPIC_EXISTS -> new TopicExistsException(message);
            case UNKNOWN_TOPIC, UNKNOWN_PARTITION -> new UnknownTopicOrPartitionException(message);
            case INVALID_TOPIC -> new InvalidTopicException(message);
            case INVALID_PARTITIONS -> new InvalidPartitionsException(message);
            case INVALID_REPLICATION_FACTOR -> new InvalidReplicationFactorException(message);
            case INVALID_REPLICA_ASSIGNMENT -> new InvalidReplicaAssignmentException(message);
            case INVALID_CONFIG -> new InvalidConfigurationException(message);
            case UNKNOWN_BROKER, STALE_BROKER_EPOCH -> new StaleBrokerEpochException(message);
            case QUORUM_UNAVAILABLE -> new NotControllerException(message);
            case NO_REASSIGNMENT_IN_PROGRESS -> new NoReassignmentInProgressException(message);
            case INVALID_COMMAND, INVALID_FEATURE_LEVEL, INVALID_PARTITION_CHANGE, STALE_PARTITION_EPOCH ->
                    new InvalidRequestException(message);
            default -> new UnknownServerException(message);
        };
    }
}
