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
 */
public final class ApiVersionsHandler extends VersionedApiHandler {
    private static final short MIN_VERSION = 0;
    private static final short MAX_VERSION = 5;

    private final List<short[]> ranges;
    private final BrokerNode node;

    /** @param others every other handler the broker registers */
    public ApiVersionsHandler(Collection<? extends ApiHandler> others, BrokerNode node) {
        super(ApiKeys.API_VERSIONS, MIN_VERSION, MAX_VERSION);
        List<short[]> collected = new ArrayList<>();
        collected.add(new short[] {ApiKeys.API_VERSIONS.id, MIN_VERSION, MAX_VERSION});
        for (ApiHandler handler : others) {
            collected.add(new short[] {handler.apiKey().id, handler.minVersion(), handler.maxVersion()});
        }
        collected.sort(Comparator.comparingInt(range -> range[0]));
        this.ranges = List.copyOf(collected);
        this.node = node;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        ApiVersionsRequest apiVersions = (ApiVersionsRequest) request;
        ApiVersionsResponseData data = new ApiVersionsResponseData().setApiKeys(supportedRanges());
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

    /** A fresh collection each time: the elements of a collection are linked into it and cannot be shared. */
    private ApiVersionCollection supportedRanges() {
        ApiVersionCollection collection = new ApiVersionCollection(ranges.size());
        for (short[] range : ranges) {
            collection.add(new ApiVersion().setApiKey(range[0]).setMinVersion(range[1]).setMaxVersion(range[2]));
        }
        return collection;
    }
}
