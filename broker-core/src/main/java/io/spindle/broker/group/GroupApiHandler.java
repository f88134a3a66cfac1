package io.spindle.broker.group;

import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.groups.GroupCoordinator;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.RequestHeader;

/** A group API served at every version kafka-clients 4.4 knows as stable. */
abstract class GroupApiHandler extends VersionedApiHandler {
    GroupApiHandler(ApiKeys key) {
        super(key);
    }

    static GroupCoordinator.Client client(RequestHeader header, ClientConnection connection) {
        String host = connection.remoteAddress() == null ? "" : "/" + connection.remoteAddress().getAddress().getHostAddress();
        return new GroupCoordinator.Client(header.clientId() == null ? "" : header.clientId(), host);
    }
}
