package io.spindle.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: parses each frame with kafka-clients' classes, dispatches it, and writes the
 * responses in request order whatever order the handlers complete in.
 *
 * <p>Threading: every field except {@link #closeActions} is confined to the channel's event loop; handler
 * futures may complete on any thread and hop back onto the loop.
 *
 * <p>Memory: a request frame stays retained until its handler completes (parsed requests such as Produce
 * view their records in the frame without copying), and its size counts as in flight until its response is
 * written. Past {@code maxInFlightBytes}, or while the socket does not take what is written, the connection stops
 * reading until responses drain.
 *
 * <p>A frame whose header or body cannot be parsed (including an unknown API key, as Kafka does, and a
 * version no Kafka schema knows) closes this connection with one log line; other connections never notice.
 */
final class KafkaConnection extends ChannelInboundHandlerAdapter implements ClientConnection {
    private static final Logger log = LoggerFactory.getLogger(KafkaConnection.class);

    private final long id;
    private final RequestDispatcher dispatcher;
    private final long maxInFlightBytes;
    private final InFlightRequests inFlight;
    private final InFlightBudget budget;
    private final RequestObserver observer;
    private final ArrayDeque<Exchange> exchanges = new ArrayDeque<>();
    private final List<Runnable> closeActions = new ArrayList<>();   // guarded by itself
    private boolean closeActionsRan;                                   // guarded by closeActions

    private Channel channel;
    private InetSocketAddress remote;
    private long inFlightBytes;
    private boolean readingPaused;
    private boolean closed;
    private boolean closing;                                           // no more frames are read

    KafkaConnection(long id, RequestDispatcher dispatcher, long maxInFlightBytes, InFlightRequests inFlight,
                    InFlightBudget budget, RequestObserver observer) {
        this.id = id;
        this.dispatcher = dispatcher;
        this.maxInFlightBytes = maxInFlightBytes;
        this.inFlight = inFlight;
        this.budget = budget;
        this.observer = observer;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public void onClose(Runnable action) {
        synchronized (closeActions) {
            if (!closeActionsRan) {
                closeActions.add(action);
                return;
            }
        }
        action.run();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        channel = ctx.channel();
        remote = (InetSocketAddress) channel.remoteAddress();
        observer.connectionOpened();
        budget.register(this);
        updateReading();     // before the first read: a connection opened while the budget is spent waits
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        if (closed || closing) {
            frame.release();
            return;
        }
        long arrivedNanos = System.nanoTime();
        int frameBytes = frame.readableBytes() + FrameDecoder.LENGTH_BYTES;
        ByteBuffer buffer = frame.nioBuffer();
        RequestHeader header;
        try {
            header = RequestHeader.parse(buffer);
        } catch (RuntimeException e) {
            frame.release();
            closeBecause("request header cannot be parsed (" + e.getMessage() + ")");
            return;
        }
        ApiKeys key = header.apiKey();
        short version = header.apiVersion();
        AbstractRequest request;
        if (key == ApiKeys.API_VERSIONS && !dispatcher.serves(key, version)) {
            // As Kafka does: an ApiVersions request at a version we do not serve is not parsed; it is answered
            // as v0 with UNSUPPORTED_VERSION and our ranges, so that the client can retry with one we serve.
            request = new ApiVersionsRequest(new ApiVersionsRequestData(), (short) 0, version);
        } else {
            try {
                request = AbstractRequest.parseRequest(key, version, new ByteBufferAccessor(buffer)).request;
            } catch (RuntimeException e) {
                frame.release();
                closeBecause(key + " v" + version + " request (correlation id " + header.correlationId()
                        + ") cannot be parsed (" + e.getMessage() + ")");
                return;
            }
        }
        Exchange exchange = new Exchange(header, request, frameBytes, arrivedNanos);
        exchanges.addLast(exchange);
        inFlight.started();
        inFlightBytes += frameBytes;
        budget.add(frameBytes);
        updateReading();
        CompletableFuture<ApiResponse> response = dispatcher.dispatch(header, request, this);
        response.whenComplete((body, failure) -> {
            frame.release();
            completeOnLoop(exchange, body, failure);
        });
    }

    private void completeOnLoop(Exchange exchange, ApiResponse response, Throwable failure) {
        EventLoop loop = channel.eventLoop();
        if (loop.inEventLoop()) {
            complete(exchange, response, failure);
            return;
        }
        try {
            loop.execute(() -> complete(exchange, response, failure));
        } catch (RejectedExecutionException e) {
            // The event loop is gone (broker shutting down): the response can no longer be written.
            release(response);
            finished(exchange);
        }
    }

    private void complete(Exchange exchange, ApiResponse response, Throwable failure) {
        if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (!(cause instanceof ApiException)) {
                log.warn("{} v{} from {} (correlation id {}) failed", exchange.header.apiKey(),
                        exchange.header.apiVersion(), remote, exchange.header.correlationId(), cause);
            }
            try {
                response = ApiResponse.of(exchange.request.getErrorResponse(0, cause));
            } catch (RuntimeException e) {
                exchange.completed = true;
                if (closed) {
                    exchanges.remove(exchange);
                    finished(exchange);
                } else {
                    closeBecause("no error response for failed " + exchange.header.apiKey() + " (" + e + ")");
                }
                return;
            }
        }
        exchange.completed = true;
        exchange.response = response;
        observer.requestCompleted(exchange.header.apiKey(), errorCode(response), System.nanoTime() - exchange.arrivedNanos);
        if (closed) {
            exchanges.remove(exchange);
            release(response);
            finished(exchange);
            return;
        }
        writeCompletedInOrder();
    }

    private static short errorCode(ApiResponse response) {
        if (response == null) {
            return Errors.NONE.code();
        }
        for (Errors error : response.body().errorCounts().keySet()) {
            if (error != Errors.NONE) {
                return error.code();
            }
        }
        return Errors.NONE.code();
    }

    private void writeCompletedInOrder() {
        boolean wrote = false;
        while (!exchanges.isEmpty() && exchanges.peekFirst().completed) {
            Exchange exchange = exchanges.pollFirst();
            if (exchange.response == null) {
                finished(exchange);         // a request without a response (Produce acks=0)
                continue;
            }
            if (!write(exchange)) {
                return;
            }
            wrote = true;
        }
        if (wrote) {
            channel.flush();
        }
    }

    private boolean write(Exchange exchange) {
        ApiResponse response = exchange.response;
        List<Object> parts;
        try {
            short version = exchange.request.version();
            ApiKeys key = exchange.header.apiKey();
            ResponseHeader header = new ResponseHeader(exchange.header.correlationId(), key.responseHeaderVersion(version));
            Send send = response.body().toSend(header, version);
            parts = SendParts.of(send);
        } catch (IOException | RuntimeException e) {
            release(response);
            finished(exchange);
            closeBecause(exchange.header.apiKey() + " v" + exchange.header.apiVersion()
                    + " response cannot be serialized (" + e + ")");
            return false;
        }
        for (int i = 0; i < parts.size() - 1; i++) {
            channel.write(parts.get(i), channel.voidPromise());
        }
        channel.write(parts.get(parts.size() - 1)).addListener((ChannelFutureListener) future -> {
            release(response);
            finished(exchange);
        });
        return true;
    }

    /** The exchange no longer holds memory: count it out, and resume reading if it was paused for it. */
    private void finished(Exchange exchange) {
        if (exchange.finished) {
            return;
        }
        exchange.finished = true;
        inFlight.finished();
        inFlightBytes -= exchange.frameBytes;
        budget.remove(exchange.frameBytes);
        updateReading();
    }

    /**
     * Backpressure: reads only while the requests not yet answered stay under the limit, those of all connections
     * under the total limit, and the socket takes what is written (responses queued for a slow reader count against
     * Netty's write-buffer high water mark).
     */
    private void updateReading() {
        if (closed || channel == null) {
            return;
        }
        boolean pause = inFlightBytes >= maxInFlightBytes || budget.exhausted() || !channel.isWritable();
        if (pause != readingPaused) {
            readingPaused = pause;
            channel.config().setAutoRead(!pause);
        }
    }

    /** The total budget crossed its limit: look again, on this connection's event loop. Any thread. */
    void recheckReading() {
        Channel c = channel;
        if (c == null) {
            return;
        }
        try {
            c.eventLoop().execute(this::updateReading);
        } catch (RejectedExecutionException e) {
            // The event loop is shutting down with the broker: there is nothing left to read.
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        updateReading();
        super.channelWritabilityChanged(ctx);
    }

    private void release(ApiResponse response) {
        if (response == null || response.release() == null) {
            return;
        }
        try {
            response.release().close();
        } catch (Exception e) {
            log.warn("Releasing the resources of a {} response on connection {} from {} failed",
                    response.body().apiKey(), id, remote, e);
        }
    }

    private void closeBecause(String reason) {
        if (!closing) {
            closing = true;
            log.warn("Closing connection {} from {}: {}", id, remote, reason);
        }
        channel.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closed = true;
        budget.unregister(this);
        observer.connectionClosed();
        for (Exchange exchange : exchanges) {
            if (exchange.completed) {
                release(exchange.response);
                finished(exchange);
            }
        }
        exchanges.removeIf(exchange -> exchange.completed);
        List<Runnable> actions;
        synchronized (closeActions) {
            closeActionsRan = true;
            actions = new ArrayList<>(closeActions);
            closeActions.clear();
        }
        for (Runnable action : actions) {
            try {
                action.run();
            } catch (RuntimeException e) {
                log.warn("A close action of connection {} from {} failed", id, remote, e);
            }
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("Connection {} from {} failed: {}", id, remote, cause.toString());
        } else {
            log.warn("Closing connection {} from {} after an unexpected error", id, remote, cause);
        }
        ctx.close();
    }

    /** One request on its way to its response. Event-loop confined. */
    private static final class Exchange {
        final RequestHeader header;
        final AbstractRequest request;
        final int frameBytes;
        final long arrivedNanos;
        boolean completed;
        boolean finished;
        ApiResponse response;

        Exchange(RequestHeader header, AbstractRequest request, int frameBytes, long arrivedNanos) {
            this.header = header;
            this.request = request;
            this.frameBytes = frameBytes;
            this.arrivedNanos = arrivedNanos;
        }
    }
}
