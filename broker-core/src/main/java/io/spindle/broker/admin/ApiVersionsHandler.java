package io.spindle.broker.admin;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.ApiHandler;
import io.spindle.broker.VersionedApiHandler;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.message.ApiVersionsResponseData.FinalizedFeatureKey;
import org.apache.kafka.common.message.ApiVersionsResponseData.FinalizedFeatureKeyCollection;
import org.apache.kafka.common.message.ApiVersionsResponseData.SupportedFeatureKey;
import org.apache.kafka.common.message.ApiVersionsResponseData.SupportedFeatureKeyCollection;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * ApiVersions: advertises exactly the version ranges of the registered handlers, its own included.
 *
 * <p>A request at a version this broker does not serve reaches this handler as a v0 request flagged
 * {@link ApiVersionsRequest#hasUnsupportedRequestVersion()}; it is answered, as Kafka does, with
 * UNSUPPORTED_VERSION and the supported ranges so the client retries with a version both sides know.
 * From v5 (KIP-1242) a client names the cluster and node it means to reach; a mismatch is answered with
 * REBOOTSTRAP_REQUIRED.
 *
 * <p>Features (v3 and up): the one feature a client acts on here, {@code transaction.version} (KIP-890), supported
 * 0 to 2 and finalized at the broker's configured level, omitted from the finalized features at level 0 as Kafka
 * does. kafka-clients 4.x uses transaction version 2 only when it is finalized at 2 or more. The epoch of the
 * finalized features is the broker's start time in milliseconds, so a client that talked to this broker before a
 * restart with another level takes the new one (clients keep the features of the highest epoch they saw).
 */
public final class ApiVersionsHandler extends VersionedApiHandler {
    private static final short MIN_VERSION = 0;
    private static final short MAX_VERSION = 5;

    static final String TRANSACTION_VERSION_FEATURE = "transaction.version";
    private static final short MAX_TRANSACTION_VERSION = 2;

    private final List<short[]> ranges;
    private final BrokerNode node;
    private final short transactionVersion;
    private final long featuresEpoch;

    /**
     * @param others             every other handler the broker registers
     * @param transactionVersion the finalized level of {@code transaction.version} (0 to 2)
     * @param featuresEpoch      the epoch of the finalized features: the broker's start time, ms since the epoch
     */
    public ApiVersionsHandler(Collection<? extends ApiHandler> others, BrokerNode node, int transactionVersion,
                              long featuresEpoch) {
        super(ApiKeys.API_VERSIONS, MIN_VERSION, MAX_VERSION);
        List<short[]> collected = new ArrayList<>();
        collected.add(new short[] {ApiKeys.API_VERSIONS.id, MIN_VERSION, MAX_VERSION});
        for (ApiHandler handler : others) {
            collected.add(new short[] {handler.apiKey().id, handler.minVersion(), handler.maxVersion()});
        }
        collected.sort(Comparator.comparingInt(range -> range[0]));
        this.ranges = List.copyOf(collected);
        this.node = node;
        if (transactionVersion < 0 || transactionVersion > MAX_TRANSACTION_VERSION) {
            throw new IllegalArgumentException("transaction.version must be 0 to " + MAX_TRANSACTION_VERSION + ", not "
                    + transactionVersion);
        }
        this.transactionVersion = (short) transactionVersion;
        this.featuresEpoch = featuresEpoch;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        ApiVersionsRequest apiVersions = (ApiVersionsRequest) request;
        ApiVersionsResponseData data = withFeatures(new ApiVersionsResponseData().setApiKeys(supportedRanges()));
        if (apiVersions.hasUnsupportedRequestVersion()) {
            data.setErrorCode(Errors.UNSUPPORTED_VERSION.code());
        } else if (!apiVersions.isValid()) {
            return CompletableFuture.completedFuture(ApiResponse.of(apiVersions.getErrorResponse(0,
                    new InvalidRequestException("Invalid client software name or version: '"
                            + apiVersions.data().clientSoftwareName() + "' '" + apiVersions.data().clientSoftwareVersion() + "'"))));
        } else if (request.version() >= 5 && addressedElsewhere(apiVersions)) {
            data.setErrorCode(Errors.REBOOTSTRAP_REQUIRED.code());
        }
        return CompletableFuture.completedFuture(ApiResponse.of(new ApiVersionsResponse(data)));
    }

    private boolean addressedElsewhere(ApiVersionsRequest request) {
        String clusterId = request.data().clusterId();
        int nodeId = request.data().nodeId();
        return (clusterId != null && !clusterId.equals(node.clusterId())) || (nodeId >= 0 && nodeId != node.nodeId());
    }

    /** Supported and finalized features; only versions 3 and up carry them (the fields are tagged). */
    private ApiVersionsResponseData withFeatures(ApiVersionsResponseData data) {
        SupportedFeatureKeyCollection supported = new SupportedFeatureKeyCollection(1);
        supported.add(new SupportedFeatureKey().setName(TRANSACTION_VERSION_FEATURE)
                .setMinVersion((short) 0).setMaxVersion(MAX_TRANSACTION_VERSION));
        FinalizedFeatureKeyCollection finalized = new FinalizedFeatureKeyCollection(1);
        if (transactionVersion > 0) {
            finalized.add(new FinalizedFeatureKey().setName(TRANSACTION_VERSION_FEATURE)
                    .setMinVersionLevel(transactionVersion).setMaxVersionLevel(transactionVersion));
        }
        return data.setSupportedFeatures(supported).setFinalizedFeatures(finalized).setFinalizedFeaturesEpoch(featuresEpoch);
    }

    /** A fresh collection each time: the elements of a collection are linked into it and cannot be shared. */
    private ApiVersionCollection supportedRanges() {
        ApiVersionCollection collection = new ApiVersionCollection(ranges.size());
        for (short[] range : ranges) {
            collection.add(new ApiVersion().setApiKey(range[0]).setMinVersion(range[1]).setMaxVersion(range[2]));
        }
        return collection;
    }
}
