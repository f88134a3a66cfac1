package io.spindle.metadata;

import io.spindle.config.ClusterSettings.Voter;
import io.spindle.metadata.MetadataException.Reason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;

/**
 * Talks to the metadata quorum from anywhere (a member, a tool, a test): submits commands, which Ratis sends to the
 * leader (following redirects and retrying through elections, each retry of a request deduplicated by Ratis' retry
 * cache so a command is applied once), and reads images. Thread-safe.
 */
public final class MetadataClient implements AutoCloseable {
    private final RaftClient client;
    /**
     * For a read addressed to one member that must fail when the member is away rather than wait for it: blocking and
     * without retries. The asynchronous path of {@link #client} retries such a read until the member is back, and each
     * one holds one of the client's permits for outstanding requests meanwhile, so repeated reads to a killed member
     * would end by stalling every command this client submits.
     */
    private final RaftClient probe;
    private final ExecutorService probes = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "spindle-metadata-probe");
        thread.setDaemon(true);
        return thread;
    });

    /** A client of the quorum made of {@code voters}. */
    public MetadataClient(List<Voter> voters) {
        this.client = RaftClient.newBuilder()
                .setProperties(RatisGroup.clientProperties())
                .setParameters(new Parameters())
                .setRaftGroup(RatisGroup.of(voters))
                .setRetryPolicy(RetryPolicies.retryForeverWithSleep(TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
                .build();
        this.probe = RaftClient.newBuilder()
                .setProperties(RatisGroup.clientProperties())
                .setParameters(new Parameters())
                .setRaftGroup(RatisGroup.of(voters))
                .setRetryPolicy(RetryPolicies.noRetry())
                .build();
    }

    /**
     * Submits a command; completes once the leader has applied it, with its log index and number, or exceptionally
     * with the {@link MetadataException} that refused it. Retries until the quorum answers; callers bound the wait.
     */
    public CompletableFuture<Accepted> submit(MetadataCommand command) {
        return client.async().send(Message.valueOf(ByteString.copyFrom(MetadataCodec.encode(command))))
                .thenApply(reply -> {
                    CommandReply answer = CommandReply.decode(content(reply, "command " + command));
                    if (answer.refusal() != null) {
                        throw answer.refusal();
                    }
                    return new Accepted(answer.index(), answer.value());
                });
    }

    /** The leader's image (a linearizable read: every command accepted before is in it). */
    public CompletableFuture<MetadataImage> readImage() {
        return client.async().sendReadOnly(readImageMessage()).thenApply(reply -> decodeImage(reply, "the leader"));
    }

    /** One member's own image, however far it has applied the log (a stale read). */
    public CompletableFuture<MetadataImage> readImage(int nodeId) {
        return client.async().sendStaleRead(readImageMessage(), 0, RatisGroup.peerId(nodeId))
                .thenApply(reply -> decodeImage(reply, "member " + nodeId));
    }

    /**
     * How far member {@code nodeId}'s broker has applied the images (the offset of its last applied image, -1 before
     * the first, as it reports with {@link MetadataQuorum#reportApplied}); fails when the member cannot be reached.
     */
    public CompletableFuture<Long> appliedOffset(int nodeId) {
        return readOffset(MetadataStateMachine.READ_APPLIED, nodeId);
    }

    /**
     * How far member {@code nodeId}'s broker serves the images' metadata to clients (as it reports with
     * {@link MetadataQuorum#reportVisible}); fails when the member cannot be reached.
     */
    public CompletableFuture<Long> visibleOffset(int nodeId) {
        return readOffset(MetadataStateMachine.READ_VISIBLE, nodeId);
    }

    /**
     * The quorum as member {@code leaderId} describes it; fails when it cannot be reached or does not lead (then
     * {@link MetadataException} with {@link Reason#QUORUM_UNAVAILABLE}).
     */
    public CompletableFuture<QuorumDescription> describeQuorum(int leaderId) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                RaftClientReply reply = probe.io().sendStaleRead(Message.valueOf(MetadataStateMachine.READ_QUORUM), 0,
                        RatisGroup.peerId(leaderId));
                return QuorumDescription.decode(content(reply, "the quorum's description read from member "
                        + leaderId));
            } catch (IOException e) {
                throw new CompletionException(new MetadataException(Reason.QUORUM_UNAVAILABLE,
                        "member " + leaderId + " did not describe the quorum: " + e, e));
            }
        }, probes);
    }

    private CompletableFuture<Long> readOffset(String query, int nodeId) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                RaftClientReply reply = probe.io().sendStaleRead(Message.valueOf(query), 0, RatisGroup.peerId(nodeId));
                return Long.parseLong(new String(content(reply, query + " offset read from member " + nodeId),
                        StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new CompletionException(new MetadataException(Reason.QUORUM_UNAVAILABLE,
                        "member " + nodeId + " did not answer: " + e, e));
            }
        }, probes);
    }

    /**
     * Makes {@link #appliedOffset} and {@link #visibleOffset} reach {@code member}, a member outside the voters this client was built with (an
     * observer); a member already known keeps its address.
     */
    void knowPeer(RaftPeer member) {
        probe.getClientRpc().addRaftPeers(List.of(member));
    }

    /** The leader as this client last learnt it, if any. */
    public Optional<Integer> leaderId() {
        RaftPeerId leader = client.getLeaderId();
        return leader == null ? Optional.empty() : Optional.of(Integer.parseInt(leader.toString()));
    }

    @Override
    public void close() throws IOException {
        probes.shutdownNow();
        try (probe) {
            client.close();
        }
    }

    /** A command the leader applied: its log index and its number ({@link MetadataCommand#resultIn}). */
    public record Accepted(long index, long value) {
    }

    private static Message readImageMessage() {
        return Message.valueOf(MetadataStateMachine.READ_IMAGE);
    }

    private static MetadataImage decodeImage(RaftClientReply reply, String from) {
        try {
            return MetadataCodec.decodeImage(content(reply, "image read from " + from), "from " + from);
        } catch (IOException e) {
            throw new CompletionException(new MetadataException(Reason.QUORUM_UNAVAILABLE, e.getMessage(), e));
        }
    }

    private static byte[] content(RaftClientReply reply, String what) {
        if (!reply.isSuccess()) {
            throw new MetadataException(Reason.QUORUM_UNAVAILABLE, "The metadata quorum failed " + what + ": "
                    + reply.getException(), reply.getException());
        }
        return reply.getMessage().getContent().toByteArray();
    }
}
