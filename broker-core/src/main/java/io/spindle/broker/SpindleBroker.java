package io.spindle.broker;

import io.spindle.broker.admin.AlterConfigsHandler;
import io.spindle.broker.admin.ApiVersionsHandler;
import io.spindle.broker.admin.BrokerNode;
import io.spindle.broker.admin.CombinedGroupConfigs;
import io.spindle.broker.admin.AlterPartitionReassignmentsHandler;
import io.spindle.broker.admin.CreatePartitionsHandler;
import io.spindle.broker.admin.ListPartitionReassignmentsHandler;
import io.spindle.broker.admin.CreateTopicsHandler;
import io.spindle.broker.admin.DeleteTopicsHandler;
import io.spindle.broker.admin.DescribeClusterHandler;
import io.spindle.broker.admin.DescribeQuorumHandler;
import io.spindle.broker.admin.RaftVoterHandlers;
import io.spindle.broker.admin.DescribeConfigsHandler;
import io.spindle.broker.admin.DescribeTopicPartitionsHandler;
import io.spindle.broker.admin.ElectLeadersHandler;
import io.spindle.broker.admin.GroupConfigs;
import io.spindle.broker.admin.IncrementalAlterConfigsHandler;
import io.spindle.broker.admin.MetadataHandler;
import io.spindle.broker.cluster.CoordinatorLocator;
import io.spindle.broker.cluster.MetadataAuthorities;
import io.spindle.broker.cluster.MetadataAuthority;
import io.spindle.broker.data.DataPathHandlers;
import io.spindle.broker.group.GroupHandlers;
import io.spindle.broker.meta.DataDirInUseException;
import io.spindle.broker.meta.DataDirLock;
import io.spindle.broker.meta.TopicRegistry;
import io.spindle.broker.metrics.BrokerMetrics;
import io.spindle.broker.metrics.MetricsServer;
import io.spindle.broker.network.KafkaListener;
import io.spindle.broker.network.RequestDispatcher;
import io.spindle.broker.network.RequestObserver;
import io.spindle.broker.partition.Partitions;
import io.spindle.broker.share.ShareHandlers;
import io.spindle.broker.txn.TransactionHandlers;
import io.spindle.config.BrokerConfig;
import io.spindle.groups.GroupCoordinator;
import io.spindle.log.LogManager;
import io.spindle.share.ShareCoordinator;
import io.spindle.txn.Transactions;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.protocol.ApiKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Spindle broker: the partition logs under the data directory, the topic registry beside them, the
 * request handlers, and the Kafka listener. {@link #start} returns once the broker serves requests;
 * {@link #close} stops accepting, lets requests already read finish (a few seconds at most), then closes the
 * logs cleanly (flush and checkpoint). From the first moment of {@code start} to the last of {@code close} the
 * broker holds the data directory's {@link DataDirLock}: a second broker on the same directory, in this JVM or
 * another process, is refused before it reads anything there.
 *
 * <p>Threads: Netty event loops (I/O, parsing, dispatch), one admin thread for topic and config changes that
 * touch disk, the metrics HTTP thread, and whatever the log manager and the data-path handlers run.
 */
public final class SpindleBroker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SpindleBroker.class);
    private static final Duration DRAIN_ON_CLOSE = Duration.ofSeconds(5);

    private final BrokerConfig config;
    private final DataDirLock dataDirLock;
    private final LogManager logs;
    private final TopicRegistry topics;
    private final Partitions partitions;
    private final ExecutorService adminExecutor;
    private final DataPathHandlers dataPath;
    private GroupHandlers groups;
    private ShareHandlers shares;
    private TransactionHandlers transactions;
    private MetadataAuthority authority;
    private final KafkaListener listener;
    private final String advertisedHost;
    private final BrokerMetrics metrics;
    private final MetricsServer metricsServer;
    private final BrokerReadiness readiness;
    private boolean closed;

    private SpindleBroker(BrokerConfig config, DataDirLock dataDirLock, LogManager logs, TopicRegistry topics,
                          Partitions partitions, ExecutorService adminExecutor, DataPathHandlers dataPath,
                          KafkaListener listener, String advertisedHost, BrokerMetrics metrics,
                          MetricsServer metricsServer, BrokerReadiness readiness) {
        this.config = config;
        this.dataDirLock = dataDirLock;
        this.logs = logs;
        this.topics = topics;
        this.partitions = partitions;
        this.adminExecutor = adminExecutor;
        this.dataPath = dataPath;
        this.listener = listener;
        this.advertisedHost = advertisedHost;
        this.metrics = metrics;
        this.metricsServer = metricsServer;
        this.readiness = readiness;
    }

    /** Starts a broker with the system clock. */
    public static SpindleBroker start(BrokerConfig config) {
        return start(config, Clock.systemUTC());
    }

    /**
     * Locks the data directory, opens it (recovering every partition) and the topic registry, and binds the listener.
     *
     * @param clock wall-clock time for the logs and handlers (injected so tests can control it)
     * @throws DataDirInUseException when another broker holds the data directory
     */
    public static SpindleBroker start(BrokerConfig config, Clock clock) {
        Path dataDir = config.dataDir().toAbsolutePath().normalize();
        // First of all: a second broker must not even bind the metrics port of the first, let alone read its files.
        DataDirLock dataDirLock = DataDirLock.acquire(dataDir);
        BrokerMetrics metrics = new BrokerMetrics(config.metricsPartitionSeriesMax());
        BrokerReadiness readiness = new BrokerReadiness();
        MetricsServer metricsServer = null;
        LogManager logs = null;
        ExecutorService adminExecutor = null;
        DataPathHandlers dataPath = null;
        GroupHandlers groups = null;
        ShareHandlers shares = null;
        TransactionHandlers transactions = null;
        MetadataAuthority authority = null;
        try {
            // Before recovery, so that a readiness probe sees 503 rather than a refused connection meanwhile.
            if (config.metricsPort() >= 0) {
                metricsServer = MetricsServer.start(config.metricsHost(), config.metricsPort(), metrics, readiness);
            }
            TopicRegistry topics = TopicRegistry.load(dataDir, config);
            logs = LogManager.open(config.storage(), topics::configFor, clock);
            metrics.bind(logs);
            Partitions partitions = new Partitions(logs, config.nodeId());
            metrics.bind(partitions);
            String host = config.advertisedHost();
            PortHolder port = new PortHolder(config.advertisedPort());
            BrokerNode node = new BrokerNode(config.nodeId(), host, port::get,
                    MetadataAuthorities.clusterId(config, topics.clusterId()));
            authority = MetadataAuthorities.open(config, dataDir, topics, partitions, node,
                    logs.logsIntactSinceLastStop());
            readiness.consult(authority);
            authority.bindMetrics(metrics);
            topics.attach(logs);
            adminExecutor = Executors.newSingleThreadExecutor(daemonThreads("spindle-admin"));
            dataPath = new DataPathHandlers(config, topics, partitions, authority, clock);
            List<ApiHandler> handlers = new ArrayList<>(dataPath.handlers());
            // Group ids are one namespace: each coordinator asks the other before a group of its kind takes an id.
            AtomicReference<GroupCoordinator> groupCoordinator = new AtomicReference<>();
            CoordinatorLocator coordinators = new CoordinatorLocator(authority);
            shares = new ShareHandlers(config.shares(), config.groups(), topics, partitions, dataPath,
                    groupId -> groupCoordinator.get().groupIds().thenApply(ids -> ids.contains(groupId)), coordinators,
                    authority, clock);
            handlers.addAll(shares.handlers());
            groups = new GroupHandlers(config.groups(), topics, partitions, coordinators, clock,
                    shares.groups());
            groupCoordinator.set(groups.coordinator());
            handlers.addAll(groups.handlers());
            groups.bindMetrics(metrics);
            shares.bindMetrics(metrics);
            transactions = new TransactionHandlers(config.transactions(), topics, partitions, dataPath.producerIds(),
                    dataPath.markers(), groups.coordinator(), coordinators, clock);
            dataPath.attach(transactions.coordinator());
            handlers.replaceAll(transactions::gateInitProducerId);
            handlers.addAll(transactions.handlers());
            handlers.add(new MetadataHandler(topics, authority, config, node, adminExecutor));
            handlers.add(new DescribeTopicPartitionsHandler(topics, authority));
            handlers.add(new CreateTopicsHandler(authority, config, adminExecutor));
            handlers.add(new DeleteTopicsHandler(topics, authority, adminExecutor));
            handlers.add(new CreatePartitionsHandler(topics, authority, config, adminExecutor));
            // Kept by the coordinators on a single broker, by the metadata quorum in a cluster.
            GroupConfigs groupConfigs = authority.groupConfigs(
                    new CombinedGroupConfigs(List.of(groups.configs(), shares.configs())));
            handlers.add(new DescribeConfigsHandler(topics, config, groupConfigs));
            handlers.add(new AlterConfigsHandler(authority, adminExecutor));
            handlers.add(new IncrementalAlterConfigsHandler(topics, authority, adminExecutor, groupConfigs));
            handlers.add(new DescribeClusterHandler(node, authority));
            handlers.add(new AlterPartitionReassignmentsHandler(authority, adminExecutor));
            handlers.add(new ListPartitionReassignmentsHandler(authority));
            handlers.add(new ElectLeadersHandler(topics, authority, adminExecutor));
            authority.metadataQuorum().ifPresent(quorum -> {
                handlers.add(new DescribeQuorumHandler(quorum));
                handlers.addAll(RaftVoterHandlers.of(quorum, node.clusterId()));
            });
            handlers.add(new ApiVersionsHandler(List.copyOf(handlers), node, config.transactions().version(),
                    clock.millis()));
            RequestDispatcher dispatcher = new RequestDispatcher(handlers);
            KafkaListener listener = KafkaListener.bind(config.listener(), dispatcher, observer(metrics));
            port.bound(listener.address().getPort());
            authority.brokerServing();
            SpindleBroker broker = new SpindleBroker(config, dataDirLock, logs, topics, partitions, adminExecutor,
                    dataPath, listener, host, metrics, metricsServer, readiness);
            broker.authority = authority;
            broker.groups = groups;
            broker.shares = shares;
            broker.transactions = transactions;
            readiness.serving(partitions);
            log.info("Spindle broker {} (cluster {}) serving on {}:{} via {} (advertised {}:{}); data in {}; flush.mode={}; "
                            + "{} topic(s); metrics {}", config.nodeId(), node.clusterId(),
                    listener.address().getHostString(), broker.port(), listener.transport(), host, port.get(), dataDir,
                    config.flushMode().configName(), topics.all().size(),
                    metricsServer == null ? "off" : "on " + metricsServer.host() + ":" + metricsServer.port());
            // Only now: the check reads every sealed segment, and on two cores it would slow the start it follows.
            logs.startSealedSegmentCheck();
            // Only now too: they load the JVM's management beans, which the listener does not need.
            metrics.bindJvmMeters();
            // And the meters of the partitions found on disk, on a thread of their own: 11 registrations per partition
            // were half of the main thread's start at 10,000 partitions.
            metrics.meterOpenLogs(logs);
            return broker;
        } catch (Exception e) {     // not only RuntimeException: Netty rethrows checked bind errors undeclared
            if (authority != null) {
                authority.close();
            }
            if (transactions != null) {
                transactions.close();
            }
            if (groups != null) {
                groups.close();
            }
            if (shares != null) {
                shares.close();
            }
            if (dataPath != null) {
                dataPath.close();
            }
            if (adminExecutor != null) {
                adminExecutor.shutdownNow();
            }
            if (logs != null) {
                logs.close();
            }
            if (metricsServer != null) {
                metricsServer.close();
            }
            metrics.close();
            dataDirLock.close();
            throw e;
        }
    }

    /** Feeds the listener's traffic to the broker's meters. */
    private static RequestObserver observer(BrokerMetrics metrics) {
        return new RequestObserver() {
            @Override
            public void connectionOpened() {
                metrics.connectionOpened();
            }

            @Override
            public void connectionClosed() {
                metrics.connectionClosed();
            }

            @Override
            public void requestCompleted(ApiKeys api, short errorCode, long nanos) {
                metrics.recordRequest(api.name, errorCode, nanos);
            }
        };
    }

    /** The port the listener bound. */
    public int port() {
        return listener.address().getPort();
    }

    /** The host clients are told to connect to. */
    public String host() {
        return advertisedHost;
    }

    public Path dataDir() {
        return logs.dataDir();
    }

    /** The broker's topics (for tools and tests in-process). */
    public Topics topics() {
        return topics;
    }

    /** The partitions this broker holds (for tools and tests in-process). */
    public Partitions partitions() {
        return partitions;
    }

    /** The cluster id: a single broker's, created on first start and kept in the data directory, or its cluster's. */
    public String clusterId() {
        return MetadataAuthorities.clusterId(config, topics.clusterId());
    }

    public BrokerConfig config() {
        return config;
    }

    /** The port of the HTTP listener serving /metrics and /health, or -1 when metrics.port=-1 disabled it. */
    public int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.port();
    }

    /** The group coordinator, for in-process tools (lag, group listings). */
    public GroupCoordinator groupCoordinator() {
        return groups.coordinator();
    }

    /** The share-group coordinator, for in-process tools and tests. */
    public ShareCoordinator shareCoordinator() {
        return shares.coordinator();
    }

    /** The transaction coordinator, for in-process tools and tests. */
    public Transactions transactionCoordinator() {
        return transactions.coordinator();
    }

    /** Who decides the broker's metadata: this broker alone, or the cluster's quorum (for tools and tests in-process). */
    public MetadataAuthority metadataAuthority() {
        return authority;
    }

    /** Why {@code /health/ready} would answer 503 now, or null when the broker is ready. */
    public String notReadyReason() {
        return readiness.problem();
    }

    /** The broker's meters, for components that add their own (e.g. consumer groups). */
    public BrokerMetrics metrics() {
        return metrics;
    }

    @Override
    public synchronized void close() {
        close(true);
    }

    /**
     * Stops as {@link #close} does, for a process that ends right after (the {@code spindle broker} command): the logs
     * are forced and the clean-shutdown record written as there, but the log segments' mappings and file descriptors
     * are left to the end of the process, which releases them ({@link LogManager#closeForExit}). An embedded broker
     * whose process goes on calls {@link #close}.
     */
    public void closeForExit() {
        close(false);
    }

    private synchronized void close(boolean releaseLogs) {
        if (closed) {
            return;
        }
        closed = true;
        readiness.stopping();
        authority.close();      // first: in a cluster, fencing sends clients to the other brokers
        listener.close(DRAIN_ON_CLOSE);
        transactions.close();
        groups.close();
        shares.close();
        dataPath.close();
        adminExecutor.shutdown();
        try {
            if (!adminExecutor.awaitTermination(DRAIN_ON_CLOSE.toSeconds(), TimeUnit.SECONDS)) {
                log.warn("Admin operations still running after {} s; closing the logs under them", DRAIN_ON_CLOSE.toSeconds());
                adminExecutor.shutdownNow();
            }
        } catch (InterruptedException e) {
            adminExecutor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        if (releaseLogs) {
            logs.close();
        } else {
            logs.closeForExit();
        }
        if (metricsServer != null) {
            metricsServer.close();
        }
        metrics.close();
        dataDirLock.close();     // last: until here the logs may still write
        log.info("Spindle broker {} stopped; data in {}", config.nodeId(), logs.dataDir());
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String name) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** The advertised port: advertised.port when set, else the port the listener bound (known after bind). */
    private static final class PortHolder {
        private volatile int port;

        PortHolder(int advertisedPort) {
            this.port = advertisedPort;
        }

        void bound(int boundPort) {
            if (port < 0) {
                port = boundPort;
            }
        }

        int get() {
            return port;
        }
    }
}
