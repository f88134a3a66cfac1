package io.spindle.broker.network;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.spindle.config.ListenerSettings;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's TCP listener: Netty with native epoll where available, NIO otherwise. Event loops do
 * socket I/O, framing, parsing and dispatch only; handlers that block run on their own executors.
 *
 * <p>Its settings are one {@link ListenerSettings} (the broker's {@code BrokerConfig.listener()}). Limits per
 * connection: a request frame larger than {@code maxRequestBytes} closes the connection; past
 * {@code maxInFlightBytesPerConnection} of requests not yet answered the connection stops reading. In total: past
 * {@code maxInFlightBytesTotal} of requests not yet answered over all connections, every connection stops reading
 * until responses leave ({@link InFlightBudget}).
 */
public final class KafkaListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaListener.class);

    private final EventLoopGroup acceptGroup;
    private final EventLoopGroup ioGroup;
    private final Channel serverChannel;
    private final ChannelGroup connections;
    private final InFlightRequests inFlight;
    private final String transport;
    private boolean closed;

    private KafkaListener(EventLoopGroup acceptGroup, EventLoopGroup ioGroup, Channel serverChannel,
                          ChannelGroup connections, InFlightRequests inFlight, String transport) {
        this.acceptGroup = acceptGroup;
        this.ioGroup = ioGroup;
        this.serverChannel = serverChannel;
        this.connections = connections;
        this.inFlight = inFlight;
        this.transport = transport;
    }

    /**
     * Binds {@code settings.host():settings.port()} (port 0 picks a free one) and starts serving, reporting traffic
     * to {@code observer}.
     *
     * @throws IllegalStateException naming the address when the bind fails
     */
    public static KafkaListener bind(ListenerSettings settings, RequestDispatcher dispatcher,
                                     RequestObserver observer) {
        String host = settings.host();
        int port = settings.port();
        int maxRequestBytes = settings.maxRequestBytes();
        long maxInFlightBytesPerConnection = settings.maxInFlightBytesPerConnection();
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory ioHandlers = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup acceptGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("spindle-accept", true), ioHandlers);
        EventLoopGroup ioGroup = new MultiThreadIoEventLoopGroup(settings.ioThreads(), new DefaultThreadFactory("spindle-io", true), ioHandlers);
        ChannelGroup connections = new DefaultChannelGroup("spindle-connections", GlobalEventExecutor.INSTANCE);
        InFlightRequests inFlight = new InFlightRequests();
        InFlightBudget budget = new InFlightBudget(settings.maxInFlightBytesTotal());
        AtomicLong connectionIds = new AtomicLong();
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptGroup, ioGroup)
                .channel(channelType)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 512)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        connections.add(channel);
                        channel.pipeline()
                                .addLast("frames", new FrameDecoder(maxRequestBytes))
                                .addLast("requests", new KafkaConnection(connectionIds.incrementAndGet(), dispatcher,
                                        maxInFlightBytesPerConnection, inFlight, budget, observer));
                    }
                });
        try {
            Channel server = bootstrap.bind(host, port).syncUninterruptibly().channel();
            return new KafkaListener(acceptGroup, ioGroup, server, connections, inFlight, epoll ? "epoll" : "nio");
        } catch (RuntimeException e) {
            acceptGroup.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            ioGroup.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IllegalStateException("Cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /** The bound address. */
    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** "epoll" or "nio". */
    public String transport() {
        return transport;
    }

    /** Requests read but not yet answered, over all connections. */
    public int requestsInFlight() {
        return inFlight.count();
    }

    /**
     * Stops accepting, lets requests already read finish and their responses leave for up to {@code drain},
     * then closes every connection and the event loops.
     */
    public synchronized void close(Duration drain) {
        if (closed) {
            return;
        }
        closed = true;
        serverChannel.close().syncUninterruptibly();
        try {
            if (!inFlight.awaitNone(drain.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("Closing {} connections with {} requests still unanswered after {} ms",
                        connections.size(), inFlight.count(), drain.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        connections.close().awaitUninterruptibly(drain.toMillis(), TimeUnit.MILLISECONDS);
        acceptGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        ioGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        acceptGroup.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        ioGroup.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
