package io.spindle.broker.admin;

import io.spindle.broker.ApiHandler;
import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.metadata.MetadataException;
import io.spindle.metadata.MetadataQuorum;
import io.spindle.metadata.QuorumDescription.Member;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.message.AddRaftVoterRequestData;
import org.apache.kafka.common.message.AddRaftVoterResponseData;
import org.apache.kafka.common.message.RemoveRaftVoterRequestData;
import org.apache.kafka.common.message.RemoveRaftVoterResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AddRaftVoterRequest;
import org.apache.kafka.common.requests.AddRaftVoterResponse;
import org.apache.kafka.common.requests.RemoveRaftVoterRequest;
import org.apache.kafka.common.requests.RemoveRaftVoterResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * AddRaftVoter (key 80) and RemoveRaftVoter (key 81), KIP-853 ({@code Admin.addRaftVoter}/{@code removeRaftVoter},
 * {@code kafka-metadata-quorum add-controller}/{@code remove-controller}), on every broker of a cluster:
 * {@link MetadataQuorum#addVoter} promotes an observer to a voter, {@link MetadataQuorum#removeVoter} demotes a
 * voter to an observer, and either answers once the new voters are committed (so {@code AckWhenCommitted=false} is
 * answered as {@code true} is). Registered only on a cluster broker.
 *
 * <p>Ratis has no directory ids: the request's is not checked. A ClusterId that is not this cluster's gets
 * INCONSISTENT_CLUSTER_ID. AddRaftVoter's listeners, when given, must include the observer's Raft address (the one
 * the quorum knows it by; a voter's address cannot be changed here), else INVALID_REQUEST. The quorum's refusals:
 * DUPLICATE_VOTER, VOTER_NOT_FOUND, and INVALID_REQUEST for an unsafe change (the last voter, a node that is not a
 * live observer, voters without a live majority), each with the quorum's message; no answer within the request's
 * timeout (AddRaftVoter) or 30 s, REQUEST_TIMED_OUT.
 */
public final class RaftVoterHandlers {
    private static final long DEFAULT_TIMEOUT_MS = 30_000;

    private RaftVoterHandlers() {
    }

    /** Both handlers for {@code quorum}, answering for the cluster {@code clusterId}. */
    public static List<ApiHandler> of(MetadataQuorum quorum, String clusterId) {
        return List.of(new Add(quorum, clusterId), new Remove(quorum, clusterId));
    }

    private static final class Add extends VersionedApiHandler {
        private final MetadataQuorum quorum;
        private final String clusterId;

        Add(MetadataQuorum quorum, String clusterId) {
            super(ApiKeys.ADD_RAFT_VOTER);
            this.quorum = quorum;
            this.clusterId = clusterId;
        }

        @Override
        public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request,
                                                     ClientConnection connection) {
            AddRaftVoterRequestData asked = ((AddRaftVoterRequest) request).data();
            if (asked.clusterId() != null && !asked.clusterId().equals(clusterId)) {
                return answer(Errors.INCONSISTENT_CLUSTER_ID, "Cluster id " + asked.clusterId() + " is not this "
                        + "cluster's (" + clusterId + ")");
            }
            int nodeId = asked.voterId();
            long timeoutMs = asked.timeoutMs() > 0 ? asked.timeoutMs() : DEFAULT_TIMEOUT_MS;
            return quorum.describeQuorum().thenCompose(now -> {
                Member member = now.member(nodeId);
                if (member != null && !asked.listeners().isEmpty() && asked.listeners().stream().noneMatch(
                        listener -> listener.host().equals(member.host()) && listener.port() == member.port())) {
                    throw new MetadataException(MetadataException.Reason.INVALID_VOTER_CHANGE, "Node " + nodeId
                            + " is in the quorum at Raft address " + member.host() + ":" + member.port()
                            + ", which none of the request's listeners names");
                }
                return quorum.addVoter(nodeId);
            }).orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                    .handle((done, failure) -> failure == null ? response(Errors.NONE, null) : failed(failure));
        }

        private static CompletableFuture<ApiResponse> answer(Errors error, String message) {
            return CompletableFuture.completedFuture(response(error, message));
        }

        private static ApiResponse failed(Throwable failure) {
            Refusal refusal = Refusal.of(failure);
            return response(refusal.error(), refusal.message());
        }

        private static ApiResponse response(Errors error, String message) {
            return ApiResponse.of(new AddRaftVoterResponse(new AddRaftVoterResponseData()
                    .setErrorCode(error.code()).setErrorMessage(message)));
        }
    }

    private static final class Remove extends VersionedApiHandler {
        private final MetadataQuorum quorum;
        private final String clusterId;

        Remove(MetadataQuorum quorum, String clusterId) {
            super(ApiKeys.REMOVE_RAFT_VOTER);
            this.quorum = quorum;
            this.clusterId = clusterId;
        }

        @Override
        public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request,
                                                     ClientConnection connection) {
            RemoveRaftVoterRequestData asked = ((RemoveRaftVoterRequest) request).data();
            if (asked.clusterId() != null && !asked.clusterId().equals(clusterId)) {
                return CompletableFuture.completedFuture(response(Errors.INCONSISTENT_CLUSTER_ID, "Cluster id "
                        + asked.clusterId() + " is not this cluster's (" + clusterId + ")"));
            }
            return quorum.removeVoter(asked.voterId()).orTimeout(DEFAULT_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                    .handle((done, failure) -> {
                        if (failure == null) {
                            return response(Errors.NONE, null);
                        }
                        Refusal refusal = Refusal.of(failure);
                        return response(refusal.error(), refusal.message());
                    });
        }

        private static ApiResponse response(Errors error, String message) {
            return ApiResponse.of(new RemoveRaftVoterResponse(new RemoveRaftVoterResponseData()
                    .setErrorCode(error.code()).setErrorMessage(message)));
        }
    }

    /** A failed change as the Kafka error and message the client gets. */
    private record Refusal(Errors error, String message) {
        static Refusal of(Throwable failure) {
            Throwable cause = failure;
            while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                    && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof TimeoutException) {
                return new Refusal(Errors.REQUEST_TIMED_OUT, "The metadata quorum did not change its voters in time; "
                        + "describe the quorum to see whether the change was made");
            }
            if (!(cause instanceof MetadataException refused)) {
                return new Refusal(Errors.UNKNOWN_SERVER_ERROR, String.valueOf(cause));
            }
            return new Refusal(switch (refused.reason()) {
                case DUPLICATE_VOTER -> Errors.DUPLICATE_VOTER;
                case VOTER_NOT_FOUND -> Errors.VOTER_NOT_FOUND;
                case QUORUM_UNAVAILABLE -> Errors.REQUEST_TIMED_OUT;
                default -> Errors.INVALID_REQUEST;
            }, refused.getMessage());
        }
    }
}
