package io.spindle.broker.admin;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.cluster.ClusterBroker;
import io.spindle.broker.cluster.MetadataAuthority;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBrokerCollection;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.DescribeClusterResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * DescribeCluster: the live brokers and the controller as the {@link MetadataAuthority} knows them (this broker alone,
 * or the cluster: the quorum leader is the controller). Only the broker endpoint type exists here.
 */
public final class DescribeClusterHandler extends VersionedApiHandler {
    private static final byte BROKER_ENDPOINT = 1;

    private final BrokerNode node;
    private final MetadataAuthority authority;

    public DescribeClusterHandler(BrokerNode node, MetadataAuthority authority) {
        super(ApiKeys.DESCRIBE_CLUSTER);
        this.node = node;
        this.authority = authority;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        DescribeClusterRequest describe = (DescribeClusterRequest) request;
        DescribeClusterResponseData data = new DescribeClusterResponseData();
        if (request.version() >= 1 && describe.data().endpointType() != BROKER_ENDPOINT) {
            data.setErrorCode(Errors.MISMATCHED_ENDPOINT_TYPE.code())
                    .setErrorMessage("This endpoint serves brokers (endpoint type 1), not endpoint type "
                            + describe.data().endpointType() + ".");
        } else {
            DescribeClusterBrokerCollection brokers = new DescribeClusterBrokerCollection();
            for (ClusterBroker broker : authority.liveBrokers()) {
                brokers.add(new DescribeClusterBroker().setBrokerId(broker.id()).setHost(broker.host())
                        .setPort(broker.port()).setRack(broker.rack().orElse(null)));
            }
            data.setErrorCode(Errors.NONE.code())
                    .setClusterId(node.clusterId())
                    .setControllerId(authority.controllerId())
                    .setBrokers(brokers);
        }
        return CompletableFuture.completedFuture(ApiResponse.of(new DescribeClusterResponse(data)));
    }
}
