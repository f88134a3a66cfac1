package io.spindle.broker;

import java.net.InetSocketAddress;

/** What a handler may know of the connection a request came on. */
public interface ClientConnection {
    /** A stable id for the connection's lifetime (for logs and per-connection state such as fetch sessions). */
    long id();

    InetSocketAddress remoteAddress();

    /** Runs when the connection closes (e.g. to drop a waiting fetch); runs at once if already closed. */
    void onClose(Runnable action);
}
